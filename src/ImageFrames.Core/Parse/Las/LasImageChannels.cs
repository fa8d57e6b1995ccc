using System.Globalization;
using System.Text.RegularExpressions;
using ImageFrames.Resize;

namespace ImageFrames.Parse.Las;

/// <summary>
/// What becomes a dataset in a LAS file: every image stored as numbered curves, read in one pass into a spool of
/// its own (<see cref="ImageChannelSpool"/>) beside the file's other curves. LAS has no array channels, so an
/// image is a run of consecutive curves in ~CURVE that number its columns:
/// <list type="bullet">
/// <item><c>AMP[1] … AMP[N]</c>, N ≥ 2 (how DLIS-to-LAS converters write an array channel);</item>
/// <item><c>IMG_001 … IMG_N</c> or <c>IMG1 … IMGN</c>, N ≥ 8 (fewer would take GR1, GR2 for an image),</item>
/// </list>
/// numbered from 0 or 1 up by one, all in the same unit. The first curve is the index and must be a depth.
/// Curves that share a mnemonic without an index (RXO, shallow, medium and deep resistivity all called SFLU; GR
/// and corrected GR both called GR) are separate curves, never an image: they are named as lasio names them,
/// <c>SFLU:1</c>, <c>SFLU:2</c>, … (mnemonics compared in any case, as lasio upper-cases them).
/// </summary>
public static partial class LasImageChannels
{
    /// <summary>Fewest curves numbered without brackets that make an image.</summary>
    public const int MinPlainNumbered = 8;

    private static readonly HashSet<string> DepthMnemonics = new(["DEPT", "DEPTH", "MD", "TDEP", "DEP"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> TimeUnits = new(["S", "SEC", "MS", "MIN", "H", "HR", "HOUR", "D", "DAY"], StringComparer.OrdinalIgnoreCase);

    /// <summary>One image found in ~CURVE: its name and the curves (columns of ~A) it is made of.</summary>
    public sealed record ImageRun(string Name, int First, int Count);

    public static async Task<List<ImageChannelSpool>> SpoolAsync(Stream input, int targetWidth, string folder, CancellationToken ct)
    {
        await using var reader = await LasFileReader.OpenAsync(input, ct).ConfigureAwait(false);
        var header = reader.Header;
        var index = header.Curves[0];
        var (depthUnit, depthScale, depthNote, known) = Parse.Dlis.DepthUnits.ToDataset(index.Unit);
        if (TimeUnits.Contains(index.Unit) || index.Mnemonic.Equals("TIME", StringComparison.OrdinalIgnoreCase) || index.Mnemonic.Equals("ETIM", StringComparison.OrdinalIgnoreCase))
            throw new LasFormatException(index.Line, $"the index curve {index.Mnemonic} is in '{index.Unit}': the log is indexed by time; needed: an index in depth (m, ft, .1IN)");
        if (!known && !DepthMnemonics.Contains(index.Mnemonic))
            throw new LasFormatException(index.Line, $"the index curve {index.Mnemonic} is in '{index.Unit}', not a depth unit; needed: an index in m, ft or .1IN (or named DEPT)");

        var images = FindImages(header.Curves);
        var names = CurveNames(header.Curves);
        if (images.Count == 0)
        {
            var sameNamed = header.Curves.Skip(1).GroupBy(c => c.Mnemonic, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => $"{g.First().Mnemonic} ×{g.Count()}").ToList();
            throw new LasFormatException(index.Line, $"no image to ingest: ~CURVE has {string.Join(", ", names.Skip(1).Take(12))}" +
                $"{(names.Count > 13 ? ", …" : "")}, none numbered as an image. Needed: an image stored as numbered curves — AMP[1]…AMP[N] (N ≥ 2) " +
                $"or IMG_001…IMG_N / IMG1…IMGN (N ≥ {MinPlainNumbered}), consecutive in ~CURVE" +
                (sameNamed.Count > 0 ? $"; same-named curves are separate curves ({string.Join(", ", sameNamed)}), never an image's columns" : ""));
        }
        var inImage = new bool[header.Curves.Count];
        foreach (var image in images) Array.Fill(inImage, true, image.First, image.Count);
        var curveColumns = Enumerable.Range(1, header.Curves.Count - 1).Where(c => !inImage[c]).ToArray();
        var curveSources = curveColumns.Select(c => new CurveSource(names[c], NullIfEmpty(header.Curves[c].Description), header.Curves[c].Unit, null)).ToList();
        var origin = new WellOrigin(header.WellText("WELL"), header.WellText("FLD"), header.WellText("COMP"));
        var direction = header.Step switch { > 0 => "INCREASING", < 0 => "DECREASING", _ => null };

        var spools = new List<ImageChannelSpool>();
        var spooler = new RowSpooler(targetWidth);
        var success = false;
        try
        {
            foreach (var image in images)
            {
                var first = header.Curves[image.First];
                var source = new ImageChannelSource("LAS", 0, null, "~A", image.Name, NullIfEmpty(first.Description), first.Unit, $"[{image.Count}]", null,
                    null, direction, index.Mnemonic, index.Unit, depthUnit, depthNote, origin);
                spools.Add(new ImageChannelSpool(source, image.Count, targetWidth, integerCode: false, folder, curveSources));
            }
            while (await reader.NextRowAsync(ct).ConfigureAwait(false))
            {
                var row = reader.Values;
                var depth = row[0] * depthScale;
                if (!double.IsFinite(depth))
                    throw new LasFormatException(reader.RowLine, $"the index {index.Mnemonic} is {(double.IsNaN(row[0]) ? "NULL" : row[0].ToString(CultureInfo.InvariantCulture))}: a depth must be a finite number", 1);
                var curves = spooler.Reserve(curveColumns.Length, out var curvesAt);
                for (var k = 0; k < curveColumns.Length; k++) curves[k] = ValueRowResizer.IsAbsent(row[curveColumns[k]]) ? double.NaN : row[curveColumns[k]];
                for (var i = 0; i < images.Count; i++)
                {
                    row.Slice(images[i].First, images[i].Count).CopyTo(spooler.Reserve(images[i].Count, out var valuesAt));
                    spooler.Add(spools[i], depth, reader.RowLine, curvesAt, valuesAt, images[i].Count);
                }
                await spooler.FlushIfFullAsync(ct).ConfigureAwait(false);
            }
            await spooler.CompleteAsync(ct).ConfigureAwait(false);
            if (spools[0].Rows == 0) throw new LasFormatException(reader.Line, "~A holds no depth step");
            success = true;
            return spools;
        }
        finally
        {
            if (!success)
            {
                await spooler.AbandonAsync().ConfigureAwait(false);
                foreach (var spool in spools) spool.Dispose();
            }
        }
    }

    /// <summary>The images among the curves (the index, curve 0, is never part of one), in ~CURVE order, with
    /// names made unique.</summary>
    public static List<ImageRun> FindImages(IReadOnlyList<LasHeaderItem> curves)
    {
        var runs = new List<ImageRun>();
        for (var i = 1; i < curves.Count;)
        {
            var length = Math.Max(RunOf(curves, i, Bracketed(), 2), RunOf(curves, i, Plain(), MinPlainNumbered));
            if (length == 0) { i++; continue; }
            var stem = curves[i].Mnemonic;
            if (Bracketed().Match(stem) is { Success: true } b) stem = b.Groups[1].Value;
            else if (Plain().Match(stem) is { Success: true } p) stem = p.Groups[1].Value;
            stem = stem.TrimEnd('_', '-', '.', ' ');
            var name = stem.Length == 0 ? "IMAGE" : stem;
            var taken = runs.Count(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || r.Name.StartsWith(name + "_", StringComparison.OrdinalIgnoreCase));
            runs.Add(new ImageRun(taken == 0 ? name : $"{name}_{taken + 1}", i, length));
            i += length;
        }
        return runs;
    }

    /// <summary>How many curves from <paramref name="first"/> are numbered by <paramref name="pattern"/> with one
    /// stem and unit, from 0 or 1 up by one; 0 when fewer than <paramref name="minimum"/>.</summary>
    private static int RunOf(IReadOnlyList<LasHeaderItem> curves, int first, Regex pattern, int minimum)
    {
        if (pattern.Match(curves[first].Mnemonic) is not { Success: true } m || !long.TryParse(m.Groups[2].Value, out var number) || number > 1) return 0;
        var stem = m.Groups[1].Value;
        var end = first + 1;
        for (; end < curves.Count; end++)
        {
            if (pattern.Match(curves[end].Mnemonic) is not { Success: true } next || !next.Groups[1].Value.Equals(stem, StringComparison.OrdinalIgnoreCase)
                || !long.TryParse(next.Groups[2].Value, out var n) || n != ++number || !curves[end].Unit.Equals(curves[first].Unit, StringComparison.OrdinalIgnoreCase))
                break;
        }
        return end - first >= minimum ? end - first : 0;
    }

    /// <summary>Every curve's name: its mnemonic, or for a mnemonic that several curves share (in any case), the
    /// mnemonic and its occurrence, <c>SFLU:1</c>, <c>SFLU:2</c>, … as lasio names them.</summary>
    public static List<string> CurveNames(IReadOnlyList<LasHeaderItem> curves)
    {
        var counts = curves.CountBy(c => c.Mnemonic, StringComparer.OrdinalIgnoreCase).ToDictionary(StringComparer.OrdinalIgnoreCase);
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        return [.. curves.Select(c => counts[c.Mnemonic] == 1 ? c.Mnemonic : $"{c.Mnemonic}:{seen[c.Mnemonic] = seen.GetValueOrDefault(c.Mnemonic) + 1}")];
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    [GeneratedRegex(@"^(.+?)\[(\d+)\]$")]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"^(.*[^0-9])(\d+)$")]
    private static partial Regex Plain();
}
