using System.Globalization;
using System.Text;
using ImageFrames.Store;

namespace ImageFrames.Interpret;

/// <summary>
/// The two pictures interpreters read picks by, as SVG: a <b>rose</b> of dip directions (10° bins, wedges stacked
/// by kind, radius proportional to the count, north up, clockwise) and a <b>stereonet</b> (Schmidt equal-area,
/// lower hemisphere) of the planes' poles, coloured by kind: a pole of trend T and plunge P lies at
/// r = R·√2·sin((90° − P)/2) from the centre toward T — a flat bed's pole in the centre, a vertical plane's on the rim.
/// Every mark carries its numbers as data attributes, so it can be read back (and tested) as well as seen.
/// </summary>
public static class PickDiagrams
{
    public const int Size = 400;
    private const double Centre = Size / 2.0, Radius = 170;

    /// <summary>Colour by kind, the same in both pictures and in the legend.</summary>
    public static readonly IReadOnlyDictionary<string, string> Colours = new Dictionary<string, string>
    {
        ["bed"] = "#2e7d32", ["fracture-open"] = "#c62828", ["fracture-closed"] = "#ef6c00",
        ["fault"] = "#6a1b9a", ["breakout"] = "#1565c0", ["other"] = "#616161",
    };

    public static string Rose(IReadOnlyList<Pick> picks, string title)
    {
        var counts = new int[36, PickInput.Kinds.Length];
        foreach (var pick in picks) counts[Bin(pick.Azimuth), Array.IndexOf(PickInput.Kinds, pick.Kind)]++;
        var totals = Enumerable.Range(0, 36).Select(b => Enumerable.Range(0, PickInput.Kinds.Length).Sum(k => counts[b, k])).ToArray();
        var most = Math.Max(1, totals.Max());
        var svg = Start(title, $"dip directions of {picks.Count} picks; the longest wedge holds {most}");
        Net(svg, rings: [0.25, 0.5, 0.75, 1]);
        for (var bin = 0; bin < 36; bin++)
        {
            var inner = 0.0;
            for (var k = 0; k < PickInput.Kinds.Length; k++)
            {
                if (counts[bin, k] == 0) continue;
                var outer = inner + Radius * counts[bin, k] / most;
                svg.Append(CultureInfo.InvariantCulture,
                    $"""<path class="wedge" data-kind="{PickInput.Kinds[k]}" data-bin="{bin * 10}" data-count="{counts[bin, k]}" fill="{Colours[PickInput.Kinds[k]]}" fill-opacity="0.8" stroke="#fff" stroke-width="0.5" d="{Wedge(bin * 10, bin * 10 + 10, inner, outer)}"/>""").Append('\n');
                inner = outer;
            }
        }
        return End(svg, picks);
    }

    public static string Stereonet(IReadOnlyList<Pick> picks, string title)
    {
        var svg = Start(title, $"poles of {picks.Count} picks, Schmidt equal-area net, lower hemisphere");
        Net(svg, rings: [EqualArea(30) / Radius, EqualArea(60) / Radius, 1]);
        foreach (var pick in picks)
        {
            var (x, y) = PolePosition(pick.Dip, pick.Azimuth);
            svg.Append(CultureInfo.InvariantCulture,
                $"""<circle class="pole" data-kind="{pick.Kind}" data-dip="{pick.Dip:R}" data-azimuth="{pick.Azimuth:R}" data-depth="{pick.Depth:R}" cx="{x:F2}" cy="{y:F2}" r="4" fill="{Colours[pick.Kind]}" stroke="#000" stroke-width="0.5"/>""").Append('\n');
        }
        return End(svg, picks);
    }

    /// <summary>Where the pole of a plane (dip, dip direction) lands on the net, in SVG coordinates (y down, north up).</summary>
    public static (double X, double Y) PolePosition(double dip, double azimuth)
    {
        var r = EqualArea(dip);
        var trend = Plane.Radians(azimuth + 180);
        return (Centre + r * Math.Sin(trend), Centre - r * Math.Cos(trend));
    }

    /// <summary>Distance from the centre of a pole whose plane dips <paramref name="dip"/>° (plunge 90° − dip).</summary>
    private static double EqualArea(double dip) => Radius * Math.Sqrt(2) * Math.Sin(Plane.Radians(dip) / 2);

    private static int Bin(double azimuth) => Math.Min(35, (int)(Plane.Normalize(azimuth) / 10));

    private static string Wedge(double from, double to, double inner, double outer)
    {
        (double X, double Y) At(double azimuth, double r) => (Centre + r * Math.Sin(Plane.Radians(azimuth)), Centre - r * Math.Cos(Plane.Radians(azimuth)));
        var (a, b, c, d) = (At(from, inner), At(from, outer), At(to, outer), At(to, inner));
        return string.Create(CultureInfo.InvariantCulture,
            $"M{a.X:F2},{a.Y:F2} L{b.X:F2},{b.Y:F2} A{outer:F2},{outer:F2} 0 0 1 {c.X:F2},{c.Y:F2} L{d.X:F2},{d.Y:F2} A{inner:F2},{inner:F2} 0 0 0 {a.X:F2},{a.Y:F2} Z");
    }

    private static StringBuilder Start(string title, string description) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {Size} {Size + 40}" width="{Size}" height="{Size + 40}" role="img">""").Append('\n')
        .Append("<title>").Append(System.Security.SecurityElement.Escape(title)).Append("</title>\n")
        .Append("<desc>").Append(System.Security.SecurityElement.Escape(description)).Append("</desc>\n")
        .Append(CultureInfo.InvariantCulture, $"""<rect width="{Size}" height="{Size + 40}" fill="#fff"/>""").Append('\n');

    private static void Net(StringBuilder svg, double[] rings)
    {
        foreach (var ring in rings)
            svg.Append(CultureInfo.InvariantCulture, $"""<circle cx="{Centre}" cy="{Centre}" r="{Radius * ring:F2}" fill="none" stroke="#bbb" stroke-width="{(ring == 1 ? 1.5 : 0.5)}"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<path d="M{Centre},{Centre - Radius} V{Centre + Radius} M{Centre - Radius},{Centre} H{Centre + Radius}" stroke="#ddd" stroke-width="0.5"/>""").Append('\n');
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Centre}" y="{Centre - Radius - 8}" text-anchor="middle" font-family="sans-serif" font-size="12">N</text>""").Append('\n');
    }

    private static string End(StringBuilder svg, IReadOnlyList<Pick> picks)
    {
        var x = 8.0;
        foreach (var kind in PickInput.Kinds.Where(k => picks.Any(p => p.Kind == k)))
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{x:F0}" y="{Size + 14}" width="10" height="10" fill="{Colours[kind]}"/><text x="{x + 14:F0}" y="{Size + 23}" font-family="sans-serif" font-size="11">{kind}</text>""").Append('\n');
            x += 14 + kind.Length * 6.5 + 12;
        }
        return svg.Append("</svg>\n").ToString();
    }
}
