using System.Text.Json;
using ImageFrames.Ingest;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// LAS files through the one ingest path: an image stored as numbered curves becomes a dataset (one per image),
/// with the file's other curves, its depth unit and origin, NULL samples absent, logged-upward steps ascending;
/// a body without a name is told from CSV by its first section; what is not an image log is rejected saying so.
/// </summary>
public sealed class LasIngestTests : IDisposable
{
    private readonly HttpHarness _http = new(o => o.AdminToken = AdminTests.Token);

    public void Dispose() => _http.Dispose();

    /// <summary>An upward-logged UBI-like export: DEPT in F, GR, AMP[1..180] in dB, CALI; NULL patches and one
    /// step wholly NULL.</summary>
    private static LasText Ubi(int steps = 300)
    {
        var las = new LasText().Curve("DEPT", "F", "DEPTH").Curve("GR", "GAPI", "GAMMA RAY").Image(i => $"AMP[{i}]", 180, "DB").Curve("CALI", "IN", "CALIPER");
        for (var s = 0; s < steps; s++)
        {
            var depth = 9000 - s * 0.1;
            var amp = Enumerable.Range(0, 180).Select(a => s == 42 || (a < 20 && s % 9 == 0) ? -999.25 : Math.Round(10 + 5 * Math.Sin(a * 0.1 + s * 0.05), 4));
            las.Row([Math.Round(depth, 1), s % 11 == 0 ? -999.25 : 50 + s * 0.25, .. amp, 8.5 + s * 0.001]);
        }
        return las;
    }

    private Task<IngestResult> IngestAsync(byte[] bytes, string name, string? id = null) => _http.Db.Ingest.IngestAsync(new MemoryStream(bytes), id, name);

    [Fact]
    public async Task AnImageOfNumberedCurvesBecomesADatasetWithItsCurvesAndOrigin()
    {
        var las = Ubi();
        var result = await IngestAsync(las.ToBytes(), "well9.LAS");
        Assert.Equal((IngestStatus.Succeeded, 300, "well9"), (result.Status, result.Rows, result.DatasetId));
        Assert.Empty(result.Others);

        var dataset = (await _http.GetAsync((f, q) => f.GetDataset(q, "well9"))).Json;
        Assert.Equal(180, dataset.GetProperty("source_width").GetInt32());
        var metadata = dataset.GetProperty("metadata");
        var source = metadata.GetProperty("source");
        Assert.Equal(("LAS", "ft", "DB"), (metadata.GetProperty("format").GetString(), metadata.GetProperty("depth_unit").GetString(), metadata.GetProperty("value_units").GetString()));
        Assert.Equal(("AMP", "[180]", "DEPT", "DECREASING", "SYNTH-WELL-9", "WILDCAT"),
            (source.GetProperty("channel").GetString(), source.GetProperty("dimension").GetString(), source.GetProperty("index_channel").GetString(),
             source.GetProperty("direction").GetString(), source.GetProperty("origin").GetProperty("well_name").GetString(), source.GetProperty("origin").GetProperty("field_name").GetString()));

        // Frames ascending; the wholly NULL step absent in greys and values.
        var frames = (await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=well9&limit=1000")).Json.GetProperty("frames").EnumerateArray().ToList();
        var depths = frames.Select(f => f.GetProperty("depth").GetDouble()).ToList();
        Assert.Equal(las.Rows.Select(r => r[0]).Order(), depths);
        var absent = frames.Single(f => f.GetProperty("depth").GetDouble() == las.Rows[42][0]);
        Assert.All(absent.GetProperty("pixels").EnumerateArray(), p => Assert.Equal(0, p.GetInt32()));
        Assert.All(absent.GetProperty("values").EnumerateArray(), v => Assert.Equal(JsonValueKind.Null, v.ValueKind));
        Assert.DoesNotContain(0, frames[0].GetProperty("pixels").EnumerateArray().Skip(20).Select(p => p.GetInt32()));

        // The other curves, exactly as written, NULL as null, ascending by depth.
        var curves = (await _http.GetAsync((f, q) => f.GetCurves(q, "well9"))).Json;
        var byDepth = las.Rows.OrderBy(r => r[0]).ToList();
        Assert.Equal(byDepth.Select(r => r[0]), curves.GetProperty("depths").EnumerateArray().Select(d => d.GetDouble()));
        var (gr, cali) = (curves.GetProperty("curves")[0], curves.GetProperty("curves")[1]);
        Assert.Equal(("GR", "GAPI", "GAMMA RAY", "CALI", "IN"), (gr.GetProperty("name").GetString(), gr.GetProperty("units").GetString(),
            gr.GetProperty("long_name").GetString(), cali.GetProperty("name").GetString(), cali.GetProperty("units").GetString()));
        Assert.Equal(byDepth.Select(r => r[1] == -999.25 ? (double?)null : r[1]),
            gr.GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble()));
        Assert.Equal(byDepth.Select(r => r[^1]), cali.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));

        Assert.Equal(IngestStatus.Unchanged, (await IngestAsync(las.ToBytes(), "well9.LAS")).Status);
    }

    [Fact]
    public async Task APostedBodyIsToldFromCsvByItsFirstSectionAndEachImageIsADataset()
    {
        var las = new LasText().Curve("DEPT", "M").Image(i => $"IMG_{i:000}", 8, "MMHO").Curve("GR", "GAPI").Image(i => $"AMP[{i}]", 4, "DB");
        for (var s = 0; s < 50; s++) las.Row([1000 + s * 0.5, .. Enumerable.Range(0, 8).Select(v => (double)(s + v)), 60, .. Enumerable.Range(0, 4).Select(v => v * 0.5 + s)]);
        var request = HttpHarness.Request("POST", "", new Dictionary<string, string> { ["X-Admin-Token"] = AdminTests.Token }, las.ToBytes());
        var response = await HttpHarness.SendAsync(request, await _http.Admin.IngestDataset(request, "posted"));
        Assert.Equal(201, response.Status);
        Assert.Equal([(8, 50), (4, 50)], new[] { "posted-img", "posted-amp" }.Select(id => _http.Db.Store.FindDataset(id)!).Select(d => (d.SourceWidth, d.RowCount)));
        var curves = (await _http.GetAsync((f, q) => f.GetCurves(q, "posted-amp"))).Json.GetProperty("curves");
        Assert.Equal(["GR"], curves.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task WhatIsNotADepthImageLogIsRejectedSayingWhatItHas()
    {
        var curvesOnly = new LasText().Curve("DEPT", "M").Curve("GR1", "GAPI").Curve("GR2", "GAPI").Row(1, 2, 3);
        var result = await IngestAsync(curvesOnly.ToBytes(), "curves.las");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("no image to ingest: ~CURVE has GR1, GR2, none numbered as an image. Needed: an image stored as numbered curves", result.Error);
        Assert.Equal("rejected", _http.Db.Store.IngestionLog("curves")[0].Status);

        var timed = new LasText().Curve("TIME", "S").Image(i => $"A[{i}]", 3, "DB").Row(1, 2, 3, 4);
        result = await IngestAsync(timed.ToBytes(), "timed.las");
        Assert.Contains("the index curve TIME is in 'S': the log is indexed by time; needed: an index in depth", result.Error);

        var bad = Ubi(5).ToString().Replace("\n8999.8 ", "\n8999.8x ");
        result = await IngestAsync(System.Text.Encoding.UTF8.GetBytes(bad), "bad.las");
        var line = Array.FindIndex(bad.Split('\n'), l => l.StartsWith("8999.8x ")) + 1;
        Assert.Equal((204, $"line {line}, column 1: '8999.8x' is not a number (curve DEPT)"), (line, result.Error));
        Assert.Null(_http.Db.Store.FindDataset("bad"));
    }

    [Fact]
    public async Task SameNamedCurvesAreCurvesNeverAnImage()
    {
        // Shaped like lasio's mnemonic_case.las (five SFLU in some case, four of them resistivities in OHMM) and
        // mnemonic_duplicate.las (SFLU twice): no image in them, so rejected, saying the curves are curves.
        var sflu = new LasText().Curve("DEPT", "M").Curve("Sflu", "K/M3", "BULK DENSITY").Curve("NPHI", "V/V")
            .Curve("SFLU", "OHMM", "RXO").Curve("SFLU", "OHMM", "SHALLOW").Curve("sflu", "OHMM", "MEDIUM").Curve("SfLu", "OHMM", "DEEP").Row(1670, 1, 2, 3, 4, 5, 6);
        var result = await IngestAsync(sflu.ToBytes(), "mnemonic_case.las");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("no image to ingest: ~CURVE has Sflu:1, NPHI, SFLU:2, SFLU:3, sflu:4, SfLu:5, none numbered as an image", result.Error);
        Assert.Contains("same-named curves are separate curves (Sflu ×5), never an image's columns", result.Error);
        var duplicate = new LasText().Curve("DEPT", "M").Curve("DT", "US/M").Curve("SFLU", "OHMM").Curve("SFLU", "OHMM").Curve("ILD", "OHMM").Row(1670, 1, 2, 3, 4);
        Assert.Equal(IngestStatus.Rejected, (await IngestAsync(duplicate.ToBytes(), "mnemonic_duplicate.las")).Status);

        // GR twice (mean and corrected) beside GR[0]…GR[5], a gamma-ray image at six angles: one image of six
        // columns, and both GRs served as curves under lasio's names.
        var gr = new LasText().Curve("DEPT", "M").Curve("GR", "GAPI", "MEAN").Curve("GR", "GAPI", "CORRECTED").Image(i => $"GR[{i - 1}]", 6, "GAPI");
        for (var s = 0; s < 20; s++) gr.Row([1000 + s * 0.5, 50 + s, 60 + s, .. Enumerable.Range(0, 6).Select(v => (double)(v + s))]);
        result = await IngestAsync(gr.ToBytes(), "gr.las");
        Assert.Equal((IngestStatus.Succeeded, "gr", 20), (result.Status, result.DatasetId, result.Rows));
        Assert.Empty(result.Others);
        Assert.Equal(6, _http.Db.Store.FindDataset("gr")!.SourceWidth);
        var curves = (await _http.GetAsync((f, q) => f.GetCurves(q, "gr"))).Json.GetProperty("curves").EnumerateArray().ToList();
        Assert.Equal(["GR:1", "GR:2"], curves.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal([50.0, 60.0], curves.Select(c => c.GetProperty("values")[0].GetDouble()));
    }

    [Fact]
    public async Task ADuplicateDepthNamesBothLines()
    {
        var las = Ubi(10);
        las.Rows[7][0] = las.Rows[3][0];
        var result = await IngestAsync(las.ToBytes(), "dup.las");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        var text = las.ToString().Split('\n');
        int LineOf(int step) => Array.FindIndex(text, l => l.StartsWith("~A")) + 2 + step;
        Assert.Contains($"line {LineOf(7)}", result.Error);
        Assert.Contains($"already on line {LineOf(3)}", result.Error);
    }
}
