using System.IO.Compression;
using System.Text.Json;
using ImageFrames.Bench;
using ImageFrames.Ingest;
using ImageFrames.Store;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Tests;

/// <summary>
/// DLIS files through the one ingest path, into the datasets the field expects: one per image channel of a
/// depth-indexed frame, ids from the file (and channel), depth ascending in the frame's unit, values normalised
/// to greys with the mapping kept, absent samples absent in greys, JSON values and pictures.
/// </summary>
public sealed class DlisIngestTests : IDisposable
{
    private readonly HttpHarness _http = new(o => o.AdminToken = AdminTests.Token);

    public void Dispose() => _http.Dispose();

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "dlis", name);

    private async Task<IngestResult> IngestAsync(string file, string? id = null, string? sourceName = null)
    {
        await using var stream = File.OpenRead(Fixture(file));
        return await _http.Db.Ingest.IngestAsync(stream, id, sourceName ?? file);
    }

    private static List<string[]> Reference(string name)
    {
        using var text = new StreamReader(new GZipStream(File.OpenRead(Fixture(name)), CompressionMode.Decompress));
        text.ReadLine();
        var rows = new List<string[]>();
        while (text.ReadLine() is { } line) rows.Add(line.Split(','));
        return rows;
    }

    private async Task<JsonElement> FramesAsync(string dataset, string query = "") =>
        (await _http.GetAsync((f, q) => f.GetFrames(q), $"dataset={dataset}&limit=1000{query}")).Json;

    [Fact]
    public async Task EachImageChannelOfADepthIndexedFrameBecomesADataset()
    {
        var expected = new Dictionary<string, (string[] Ids, int Rows)>
        {
            ["fmi_small.dlis"] = (["fmi_small"], 300),
            ["fmi_small_vr512.dlis"] = (["fmi_small_vr512"], 300),
            ["ubi_feet_decreasing.dlis"] = (["ubi_feet_decreasing"], 300),
            ["two_images.dlis"] = (["two_images-img_a", "two_images-img_b"], 200),
            ["multi_file.dlis"] = (["multi_file-fmi_stat-lf0", "multi_file-fmi_stat-lf1"], 0),
            ["int_image.dlis"] = (["int_image-img_u8", "int_image-img_u16"], 100),
        };
        foreach (var (file, (ids, rows)) in expected)
        {
            var result = await IngestAsync(file);
            var all = result.Others.Prepend(result).ToList();
            Assert.Equal(ids, all.Select(r => r.DatasetId));
            Assert.All(all, r => Assert.Equal(IngestStatus.Succeeded, r.Status));
            if (rows > 0) Assert.All(all, r => Assert.Equal(rows, r.Rows));
        }
        Assert.Equal([120, 160], new[] { "multi_file-fmi_stat-lf0", "multi_file-fmi_stat-lf1" }.Select(id => _http.Db.Store.FindDataset(id)!.RowCount));

        // Where each came from, in its metadata and its answer.
        var dataset = (await _http.GetAsync((f, q) => f.GetDataset(q, "two_images-img_b"))).Json;
        Assert.Equal(56, dataset.GetProperty("source_width").GetInt32());
        var metadata = dataset.GetProperty("metadata");
        Assert.Equal("DLIS", metadata.GetProperty("format").GetString());
        Assert.Equal("m", metadata.GetProperty("depth_unit").GetString());
        Assert.Equal("mmho", metadata.GetProperty("value_units").GetString());
        var source = metadata.GetProperty("source");
        Assert.Equal(("IMG-FRAME", "IMG_B", "[56]", "FSINGL", "BOREHOLE-DEPTH"),
            (source.GetProperty("frame").GetString(), source.GetProperty("channel").GetString(), source.GetProperty("dimension").GetString(),
             source.GetProperty("representation_code").GetString(), source.GetProperty("index_type").GetString()));
        Assert.Equal("SYNTH-WELL-1", source.GetProperty("origin").GetProperty("well_name").GetString());
    }

    [Fact]
    public async Task ATapeImageCopyIngestsAsTheSameDataset()
    {
        await IngestAsync("ubi_feet_decreasing.dlis", "plain");
        var tif = TapeImageBytes.Wrap(await File.ReadAllBytesAsync(Fixture("ubi_feet_decreasing.dlis")), 1000, marksBefore: 1);
        var result = await _http.Db.Ingest.IngestAsync(new MemoryStream(tif), "tape", "ubi_feet_decreasing.tif");
        Assert.Equal(IngestStatus.Succeeded, result.Status);
        Assert.Equal(300, result.Rows);
        Assert.Equal((await FramesAsync("plain")).GetProperty("frames").GetRawText(), (await FramesAsync("tape")).GetProperty("frames").GetRawText());
    }

    [Fact]
    public async Task AnIntegerChannelOfGreysKeepsThemExactly()
    {
        await IngestAsync("int_image.dlis");
        var reference = Reference("int_image.IMG_U8.csv.gz");
        var frames = (await FramesAsync("int_image-img_u8")).GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal(reference.Count, frames.Count);
        for (var r = 0; r < frames.Count; r++)
        {
            Assert.Equal(double.Parse(reference[r][0]), frames[r].GetProperty("depth").GetDouble());
            Assert.Equal(reference[r][1..].Select(int.Parse), frames[r].GetProperty("pixels").EnumerateArray().Select(p => p.GetInt32()));
            Assert.Equal(reference[r][1..].Select(double.Parse), frames[r].GetProperty("values").EnumerateArray().Select(p => p.GetDouble()));
        }
    }

    [Fact]
    public async Task ValuesAreEqualisedIntoGreysThatMapBackIntoTheirRange()
    {
        await IngestAsync("fmi_small.dlis");
        var reference = Reference("fmi_small.csv.gz").SelectMany(r => r[1..]).Where(c => c.Length > 0).Select(double.Parse).ToList();
        var answer = await FramesAsync("fmi_small");
        Assert.Equal("mmho", answer.GetProperty("metadata").GetProperty("value_units").GetString());
        var pairs = answer.GetProperty("frames").EnumerateArray()
            .SelectMany(f => f.GetProperty("pixels").EnumerateArray().Zip(f.GetProperty("values").EnumerateArray()))
            .Select(p => (Grey: p.First.GetInt32(), Value: p.Second.GetDouble())).ToList();
        // Equalised: the greys are spread over 1..255 (about 1/255 of the pixels each), never 0 (nothing absent).
        Assert.Equal(1, pairs.Min(p => p.Grey));
        Assert.Equal(255, pairs.Max(p => p.Grey));
        Assert.True(pairs.GroupBy(p => p.Grey).Max(g => g.Count()) < pairs.Count / 255 * 4);
        // A grey's value grows with the grey and lies within the channel's values.
        var byGrey = pairs.DistinctBy(p => p.Grey).OrderBy(p => p.Grey).ToList();
        Assert.True(byGrey.Zip(byGrey.Skip(1)).All(p => p.First.Value <= p.Second.Value));
        Assert.InRange(byGrey[0].Value, reference.Min(), reference.Max());
        Assert.InRange(byGrey[^1].Value, reference.Min(), reference.Max());
    }

    /// <summary>FRAMES_NORMALIZE=linear spreads min..max over greys 1..255; with FRAMES_NORMALIZE_CLIP=2,98 it spreads
    /// the 2nd..98th percentiles instead, the tails clipped to greys 1 and 255 (about 2 % of the samples each).</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("2,98")]
    public async Task LinearNormalisationSpreadsMinMaxOrAPercentileClip(string? clip)
    {
        using var http = new HttpHarness(o => { o.Normalize = Normalize.NormalizationKind.Linear; o.NormalizeClip = clip; });
        await using (var stream = File.OpenRead(Fixture("fmi_small.dlis"))) await http.Db.Ingest.IngestAsync(stream, null, "fmi_small.dlis");
        var answer = (await http.GetAsync((f, q) => f.GetFrames(q), "dataset=fmi_small&limit=1000")).Json;
        var greys = answer.GetProperty("frames").EnumerateArray().SelectMany(f => f.GetProperty("pixels").EnumerateArray().Select(p => p.GetInt32())).ToList();
        var normalization = JsonDocument.Parse(http.Db.Store.FindDataset("fmi_small")!.Metadata!).RootElement.GetProperty("normalization");
        Assert.Equal("linear", normalization.GetProperty("kind").GetString());
        var (atLow, atHigh) = (greys.Count(g => g == 1) / (double)greys.Count, greys.Count(g => g == 255) / (double)greys.Count);
        if (clip is null)
        {
            Assert.True(atLow < 0.002 && atHigh < 0.002, $"{atLow:P2} at grey 1, {atHigh:P2} at 255");
            Assert.Equal(JsonValueKind.Null, normalization.GetProperty("clip_percent").ValueKind);
        }
        else
        {
            Assert.InRange(atLow, 0.015, 0.03);
            Assert.InRange(atHigh, 0.015, 0.03);
            Assert.Equal([2.0, 98.0], normalization.GetProperty("clip_percent").EnumerateArray().Select(v => v.GetDouble()));
        }
    }

    [Fact]
    public async Task AbsentSamplesStayAbsentAndDepthsLoggedUpwardAreStoredAscending()
    {
        await IngestAsync("ubi_feet_decreasing.dlis");
        var info = _http.Db.Store.FindDataset("ubi_feet_decreasing")!;
        Assert.Equal((8970.1, 9000.0), (Math.Round(info.DepthMin, 6), info.DepthMax));
        var reference = Reference("ubi_feet_decreasing.csv.gz").ToDictionary(r => double.Parse(r[0]));
        var frames = (await FramesAsync("ubi_feet_decreasing")).GetProperty("frames").EnumerateArray().ToList();
        var depths = frames.Select(f => f.GetProperty("depth").GetDouble()).ToList();
        Assert.Equal(depths.Order(), depths);
        var (wholeAbsent, noneAbsent) = (0, 0);
        foreach (var frame in frames)
        {
            var cells = reference[frame.GetProperty("depth").GetDouble()][1..];
            var greys = frame.GetProperty("pixels").EnumerateArray().Select(p => p.GetInt32()).ToList();
            var values = frame.GetProperty("values").EnumerateArray().ToList();
            if (cells.All(c => c.Length == 0))
            {
                wholeAbsent++;
                Assert.All(greys, g => Assert.Equal(0, g));
                Assert.All(values, v => Assert.Equal(JsonValueKind.Null, v.ValueKind));
            }
            else if (cells.All(c => c.Length > 0))
            {
                noneAbsent++;
                Assert.DoesNotContain(0, greys);
            }
        }
        Assert.Equal(1, wholeAbsent);
        Assert.True(noneAbsent > 200);
        Assert.Equal("ft", JsonDocument.Parse(info.Metadata!).RootElement.GetProperty("depth_unit").GetString());
    }

    private async Task<HttpHarness.Response> CurvesAsync(string dataset, string query = "") =>
        await _http.GetAsync((f, q) => f.GetCurves(q, dataset), query);

    [Fact]
    public async Task TheFramesCurvesAreServedByDepthWindowAsTheReferenceReaderReadsThem()
    {
        await IngestAsync("fmi_small.dlis");
        var reference = Reference("fmi_small.curves.csv.gz");
        var all = (await CurvesAsync("fmi_small")).Json;
        Assert.Equal("m", all.GetProperty("depth_unit").GetString());
        Assert.Equal(reference.Select(r => double.Parse(r[0])), all.GetProperty("depths").EnumerateArray().Select(d => d.GetDouble()));
        var curves = all.GetProperty("curves").EnumerateArray().ToList();
        Assert.Equal(["GR", "CALI"], curves.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(("Gamma ray", "gAPI", "Caliper", "in"), (curves[0].GetProperty("long_name").GetString(), curves[0].GetProperty("units").GetString(),
            curves[1].GetProperty("long_name").GetString(), curves[1].GetProperty("units").GetString()));
        for (var c = 0; c < curves.Count; c++)
            Assert.Equal(reference.Select(r => double.Parse(r[c + 1])), curves[c].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        var metadataCurves = JsonDocument.Parse(_http.Db.Store.FindDataset("fmi_small")!.Metadata!).RootElement.GetProperty("curves");
        Assert.Equal(["GR", "CALI"], metadataCurves.EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        // A window: exactly the rows whose depths lie in it (inclusive).
        var window = (await CurvesAsync("fmi_small", "depth_min=2500.1&depth_max=2500.2")).Json;
        var expected = reference.Select(r => double.Parse(r[0])).Where(d => d is >= 2500.1 and <= 2500.2).ToList();
        Assert.Equal(expected, window.GetProperty("depths").EnumerateArray().Select(d => d.GetDouble()));
        Assert.Equal(expected.Count, window.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task CurvesOfAFrameLoggedUpwardComeAscendingWithAbsentSamplesNull()
    {
        const Parse.Dlis.RepresentationCode F8 = Parse.Dlis.RepresentationCode.FDOUBL, F4 = Parse.Dlis.RepresentationCode.FSINGL;
        var file = new DlisBytes().Eflr(0, DlisBytes.FileHeader("UP"))
            .Eflr(3, DlisBytes.Channels(("DEPT", F8, "ft", [1]), ("GR", F8, "gAPI", [1]), ("IMG", F4, "dB", [4]), ("CALI", F4, "in", [1])))
            .Eflr(4, DlisBytes.Frame("F", "BOREHOLE-DEPTH", "DEPT", "GR", "IMG", "CALI"));
        for (var i = 0; i < 3000; i++) // three chunks of curves, deepest first
            file.Iflr(0, DlisBytes.FrameData("F", i + 1, [DlisBytes.Number(F8, 5000 - i * 0.1), DlisBytes.Number(F8, i % 7 == 0 ? -999.25 : 40 + i),
                .. Enumerable.Repeat(DlisBytes.Number(F4, i), 4), DlisBytes.Number(F4, 8.5f)]));
        Assert.Equal(IngestStatus.Succeeded, (await _http.Db.Ingest.IngestAsync(new MemoryStream(file.ToArray()), null, "up.dlis")).Status);

        var answer = (await CurvesAsync("up", "depth_min=4700&depth_max=4800")).Json;
        var depths = answer.GetProperty("depths").EnumerateArray().Select(d => d.GetDouble()).ToList();
        var frames = Enumerable.Range(0, 3000).Where(i => 5000 - i * 0.1 is >= 4700 and <= 4800).Reverse().ToList();
        Assert.Equal(frames.Select(i => 5000 - i * 0.1), depths);
        var (gr, cali) = (answer.GetProperty("curves")[0], answer.GetProperty("curves")[1]);
        Assert.Equal(("GR", "gAPI", "CALI", "in"), (gr.GetProperty("name").GetString(), gr.GetProperty("units").GetString(), cali.GetProperty("name").GetString(), cali.GetProperty("units").GetString()));
        Assert.Equal(frames.Select(i => i % 7 == 0 ? (double?)null : 40 + i),
            gr.GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (double?)null : v.GetDouble()));
        Assert.All(cali.GetProperty("values").EnumerateArray(), v => Assert.Equal(8.5, v.GetDouble()));
    }

    [Fact]
    public async Task CurvesAnswerNoneForACsvAndProblemsForBadQueries()
    {
        await _http.Db.IngestTextAsync(Csv.Of(4, ("1", 5), ("2", 6)), "plain");
        var none = await CurvesAsync("plain");
        Assert.Equal(200, none.Status);
        Assert.Empty(none.Json.GetProperty("curves").EnumerateArray());
        Assert.Equal(0, none.Json.GetProperty("count").GetInt32());

        Assert.Equal(404, (await CurvesAsync("nothing")).Status);
        var bad = await CurvesAsync("plain", "depth_min=x");
        Assert.Equal((400, "depth_min"), (bad.Status, bad.Json.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task PicturesDrawAbsentSamplesInTheNoDataColour()
    {
        await IngestAsync("ubi_feet_decreasing.dlis");
        var reference = Reference("ubi_feet_decreasing.csv.gz");
        var absentDepth = double.Parse(reference.Single(r => r[1..].All(c => c.Length == 0))[0]);
        var r = await _http.GetAsync((f, q) => f.GetFramesImage(q), $"dataset=ubi_feet_decreasing&depth_min={absentDepth:R}&depth_max={absentDepth:R}&colormap=viridis");
        Assert.Equal(200, r.Status);
        using var image = Image.Load<Rgb24>(r.Body);
        Assert.Equal(new Rgb24(0xFF, 0x00, 0xFF), image[75, 0]);
    }

    [Fact]
    public async Task TheSameFileAgainIsUnchangedAndABadOneLeavesThePreviousVersion()
    {
        await IngestAsync("fmi_small.dlis", "fmi");
        var before = _http.Db.Store.FindDataset("fmi")!;
        Assert.Equal(IngestStatus.Unchanged, (await IngestAsync("fmi_small.dlis", "fmi")).Status);

        var truncated = File.ReadAllBytes(Fixture("fmi_small.dlis"))[..100_000];
        var rejected = await _http.Db.Ingest.IngestAsync(new MemoryStream(truncated), "fmi", "fmi_small.dlis");
        Assert.Equal(IngestStatus.Rejected, rejected.Status);
        Assert.Contains("byte ", rejected.Error);
        Assert.Equal(before.Version, _http.Db.Store.FindDataset("fmi")!.Version);
        Assert.Equal(["rejected", "unchanged", "succeeded"], _http.Db.Store.IngestionLog("fmi").Select(a => a.Status));
    }

    [Fact]
    public async Task TheAdminPostTellsDlisFromCsvByItsLabel()
    {
        var request = HttpHarness.Request("POST", "", new Dictionary<string, string> { ["X-Admin-Token"] = AdminTests.Token }, File.ReadAllBytes(Fixture("fmi_small.dlis")));
        var response = await HttpHarness.SendAsync(request, await _http.Admin.IngestDataset(request, "posted"));
        Assert.Equal(201, response.Status);
        Assert.Equal(300, _http.Db.Store.FindDataset("posted")!.RowCount);
        Assert.NotNull(_http.Db.Store.FindDataset("posted")!.Metadata);
    }

    [Fact]
    public async Task AFileWithoutADepthIndexedImageIsRejectedSayingWhatItHas()
    {
        var time = new DlisBytes().Eflr(0, DlisBytes.FileHeader("T")).Eflr(3, DlisBytes.Channels(("TIME", Parse.Dlis.RepresentationCode.FDOUBL, "s", [1]), ("IMG", Parse.Dlis.RepresentationCode.FSINGL, "dB", [4])))
            .Eflr(4, DlisBytes.Frame("F", "TIME", "TIME", "IMG"))
            .Iflr(0, DlisBytes.FrameData("F", 1, [DlisBytes.Number(Parse.Dlis.RepresentationCode.FDOUBL, 1), .. Enumerable.Repeat(DlisBytes.Number(Parse.Dlis.RepresentationCode.FSINGL, 2), 4)]));
        var result = await _http.Db.Ingest.IngestAsync(new MemoryStream(time.ToArray()), null, "timed.dlis");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("IMG in frame F (logical file 0), indexed by TIME", result.Error);
        Assert.Contains("Needed: a channel of dimension [N], N ≥ 2, in a frame indexed by depth", result.Error);

        var curvesOnly = new DlisBytes().Eflr(0, DlisBytes.FileHeader("C")).Eflr(3, DlisBytes.Channels(("DEPTH", Parse.Dlis.RepresentationCode.FDOUBL, "m", [1]), ("GR", Parse.Dlis.RepresentationCode.FSINGL, "gAPI", [1])))
            .Eflr(4, DlisBytes.Frame("F", "BOREHOLE-DEPTH", "DEPTH", "GR"))
            .Iflr(0, DlisBytes.FrameData("F", 1, DlisBytes.Number(Parse.Dlis.RepresentationCode.FDOUBL, 1), DlisBytes.Number(Parse.Dlis.RepresentationCode.FSINGL, 2)));
        result = await _http.Db.Ingest.IngestAsync(new MemoryStream(curvesOnly.ToArray()), null, "curves.dlis");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("F (DEPTH[1], GR[1]", result.Error);
        Assert.Equal("rejected", _http.Db.Store.IngestionLog("curves")[0].Status);

        // A FRAME that lists no channels at all, with data: nothing to read, so no image — not a crash.
        var empty = new DlisBytes().Eflr(0, DlisBytes.FileHeader("E")).Eflr(4, new DlisBytes.SetWriter("FRAME").Template("INDEX-TYPE").Object("F").Text("BOREHOLE-DEPTH").ToArray())
            .Iflr(0, DlisBytes.FrameData("F", 1));
        result = await _http.Db.Ingest.IngestAsync(new MemoryStream(empty.ToArray()), null, "empty.dlis");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("no image to ingest", result.Error);

        // An index with two values per frame cannot be a depth.
        var arrayIndex = new DlisBytes().Eflr(0, DlisBytes.FileHeader("A"))
            .Eflr(3, DlisBytes.Channels(("DEPTH", Parse.Dlis.RepresentationCode.FDOUBL, "m", [2]), ("IMG", Parse.Dlis.RepresentationCode.FSINGL, "dB", [4])))
            .Eflr(4, DlisBytes.Frame("F", "BOREHOLE-DEPTH", "DEPTH", "IMG"))
            .Iflr(0, DlisBytes.FrameData("F", 1, [.. Enumerable.Repeat(DlisBytes.Number(Parse.Dlis.RepresentationCode.FDOUBL, 1), 2), .. Enumerable.Repeat(DlisBytes.Number(Parse.Dlis.RepresentationCode.FSINGL, 2), 4)]));
        result = await _http.Db.Ingest.IngestAsync(new MemoryStream(arrayIndex.ToArray()), null, "array-index.dlis");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains("frame F is indexed by DEPTH[2]; a depth index has one value per frame", result.Error);
    }
}
