using System.Xml.Linq;
using ImageFrames.Functions;
using ImageFrames.Serve;
using ImageFrames.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>
/// The rose and the stereonet of a dataset's picks, read back from their SVG: every pole where the equal-area
/// construction puts it (a flat bed's in the centre, a vertical plane's on the rim opposite its dip direction, the
/// distance growing as √2·sin(dip/2)), every wedge in its 10° bin with its count, stacked by kind; filters by kind
/// and depth; a bad filter is a 400.
/// </summary>
public sealed class PickDiagramTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly HttpHarness _http = new();
    private readonly PickFunctions _picks;

    public PickDiagramTests()
    {
        _http.Db.IngestTextAsync(Csv.Of(8, ("1000", 10), ("1100", 30)), "well").GetAwaiter().GetResult();
        _http.Db.Store.AddPicks("well", [
            new NewPick(1010, 0, 0, "bed"),
            new NewPick(1020, 90, 90, "fault"),
            new NewPick(1030, 60, 95, "fracture-open"),
            new NewPick(1040, 30, 99.9, "fracture-open"),
            new NewPick(1050, 45, 181, "bed"),
        ], DateTimeOffset.UnixEpoch);
        _picks = _http.Picks;
    }

    public void Dispose() => _http.Dispose();

    private async Task<XDocument> GetAsync(Func<Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult> route, string query = "")
    {
        var request = HttpHarness.Request("GET", query);
        var answer = await HttpHarness.SendAsync(request, route(request));
        Assert.Equal(200, answer.Status);
        Assert.Equal("image/svg+xml", answer.ContentType);
        return XDocument.Parse(answer.Text);
    }

    [Fact]
    public async Task ThePngsAreTheSvgsDrawnWithTheirText()
    {
        foreach (var (svgRoute, pngRoute) in new (Func<Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult>, Func<Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult>)[]
                 { (q => _picks.GetPicksStereonet(q, "well"), q => _picks.GetPicksStereonetPng(q, "well")), (q => _picks.GetPicksRose(q, "well"), q => _picks.GetPicksRosePng(q, "well")) })
        {
            var svg = await GetAsync(svgRoute);
            var request = HttpHarness.Request("GET");
            var answer = await HttpHarness.SendAsync(request, pngRoute(request));
            Assert.Equal(200, answer.Status);
            Assert.Equal("image/png", answer.ContentType);
            using var png = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(answer.Body);
            Assert.Equal(((int)svg.Root!.Attribute("width")!, (int)svg.Root.Attribute("height")!), (png.Width, png.Height));
            // The north mark is text: set in the embedded font, some of its box is ink.
            var north = svg.Descendants(Svg + "text").First(t => t.Value == "N");
            var (x, y) = ((int)(double)north.Attribute("x")!, (int)(double)north.Attribute("y")!);
            var ink = 0;
            for (var dy = -10; dy <= 0; dy++)
                for (var dx = -5; dx <= 5; dx++)
                    if (png[x + dx, y + dy] is var p && p.R + p.G + p.B < 300) ink++;
            Assert.True(ink >= 5, $"{ink} dark pixels where the N is");
        }
        // Each pole is drawn in its kind's colour where the SVG puts it.
        var net = await GetAsync(q => _picks.GetPicksStereonet(q, "well"));
        var pngRequest = HttpHarness.Request("GET");
        using var drawn = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>((await HttpHarness.SendAsync(pngRequest, _picks.GetPicksStereonetPng(pngRequest, "well"))).Body);
        foreach (var pole in net.Descendants(Svg + "circle").Where(c => (string?)c.Attribute("class") == "pole"))
        {
            var colour = SixLabors.ImageSharp.Color.ParseHex(((string)pole.Attribute("fill")!).TrimStart('#')).ToPixel<SixLabors.ImageSharp.PixelFormats.Rgb24>();
            var pixel = drawn[(int)Math.Round((double)pole.Attribute("cx")!), (int)Math.Round((double)pole.Attribute("cy")!)];
            Assert.True(Math.Abs(pixel.R - colour.R) + Math.Abs(pixel.G - colour.G) + Math.Abs(pixel.B - colour.B) < 60, $"pole at {pole.Attribute("data-depth")}: {pixel} for {colour}");
        }
    }

    [Fact]
    public async Task PolesLieWhereTheEqualAreaNetPutsThem()
    {
        var net = await GetAsync(q => _picks.GetPicksStereonet(q, "well"));
        var poles = net.Descendants(Svg + "circle").Where(c => (string?)c.Attribute("class") == "pole")
            .ToDictionary(c => (double)c.Attribute("data-depth")!, c => ((double)c.Attribute("cx")!, (double)c.Attribute("cy")!));
        Assert.Equal(5, poles.Count);
        const double centre = 200, radius = 170;
        Assert.Equal((centre, centre), poles[1010]); // flat: straight down, the centre
        Assert.Equal(centre - radius, poles[1020].Item1, 2); // vertical, dipping east: pole on the west rim
        Assert.Equal(centre, poles[1020].Item2, 2);
        foreach (var (depth, dip) in new[] { (1030.0, 60.0), (1040.0, 30.0), (1050.0, 45.0) })
        {
            var distance = Math.Sqrt(Math.Pow(poles[depth].Item1 - centre, 2) + Math.Pow(poles[depth].Item2 - centre, 2));
            Assert.Equal(radius * Math.Sqrt(2) * Math.Sin(dip * Math.PI / 360), distance, 1);
        }
        Assert.True(poles[1050].Item2 < centre - 80); // dipping south: the pole is up (north) on the net
        Assert.Contains("Poles of well", net.Root!.Element(Svg + "title")!.Value);
    }

    [Fact]
    public async Task WedgesCountEachBinByKind()
    {
        var rose = await GetAsync(q => _picks.GetPicksRose(q, "well"));
        var wedges = rose.Descendants(Svg + "path").Where(p => (string?)p.Attribute("class") == "wedge")
            .Select(p => ((int)p.Attribute("data-bin")!, (string)p.Attribute("data-kind")!, (int)p.Attribute("data-count")!)).OrderBy(w => w).ToList();
        Assert.Equal([(0, "bed", 1), (90, "fault", 1), (90, "fracture-open", 2), (180, "bed", 1)], wedges);

        var fractures = await GetAsync(q => _picks.GetPicksRose(q, "well"), "kind=fracture-open&depth_max=1035");
        Assert.Equal([(90, 1)], fractures.Descendants(Svg + "path").Where(p => (string?)p.Attribute("class") == "wedge")
            .Select(p => ((int)p.Attribute("data-bin")!, (int)p.Attribute("data-count")!)));

        var bad = HttpHarness.Request("GET", "kind=vein");
        Assert.Equal(400, (await HttpHarness.SendAsync(bad, _picks.GetPicksRose(bad, "well"))).Status);
        var missing = HttpHarness.Request("GET", "");
        Assert.Equal(404, (await HttpHarness.SendAsync(missing, _picks.GetPicksStereonet(missing, "nowhere"))).Status);
    }
}
