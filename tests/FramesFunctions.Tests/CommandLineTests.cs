using System.Text.Json;
using ImageFrames.Cli;
using ImageFrames.Store;
using Microsoft.Extensions.Configuration;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Tests;

/// <summary>The command line as a newcomer uses it (README): ingest the sample, list, render PNG and JSON.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FRAMES_DB_PATH"] = _db.Options.DatabasePath }).Build();
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await Cli.CommandLine.RunAsync(args, stdout, stderr, settings);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task IngestListAndRenderTheSample()
    {
        var ingest = await Run("ingest", TestPaths.SampleCsv);
        Assert.Equal(0, ingest.Exit);
        Assert.StartsWith("succeeded: dataset 'img', 5,460 rows, 1 skipped", ingest.Out);
        Assert.StartsWith("unchanged", (await Run("ingest", TestPaths.SampleCsv)).Out);

        var list = JsonDocument.Parse((await Run("datasets", "--json")).Out).RootElement;
        Assert.Equal("img", list[0].GetProperty("id").GetString());
        Assert.Contains("succeeded", (await Run("log")).Out);

        var png = Path.Combine(_db.Folder, "out", "window.png");
        Assert.Equal(0, (await Run("render", "img", "--depth-min", "9100", "--depth-max", "9110", "--out", png)).Exit);
        using var image = Image.Load<Rgb24>(png);
        Assert.Equal((150, 101), (image.Width, image.Height));
        var stored = _db.Store.ReadFrames("img", new DepthRange(9100, 9110), int.MaxValue, 0)!;
        Assert.Equal(stored.Row(50)[75], image[75, 50].R); // grayscale: R = G = B = the stored grey
        Assert.Equal(image[75, 50].R, image[75, 50].B);

        var json = Path.Combine(_db.Folder, "window.json");
        Assert.Equal(0, (await Run("render", "img", "--depth-min", "9100", "--depth-max", "9100.5", "--out", json)).Exit);
        var frames = JsonDocument.Parse(File.ReadAllBytes(json)).RootElement;
        Assert.Equal(6, frames.GetProperty("frames").GetArrayLength());
        Assert.Equal(9100.1, frames.GetProperty("frames")[1].GetProperty("depth").GetDouble());
        Assert.Equal(150, frames.GetProperty("metadata").GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task NegativeDepthsAreValuesNotOptions()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("-5", 10), ("-4.5", 20), ("0", 30)), "shallow");
        var json = Path.Combine(_db.Folder, "neg.json");
        Assert.Equal(0, (await Run("render", "shallow", "--depth-min", "-5", "--depth-max", "-4.5", "--out", json)).Exit);
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllBytes(json)).RootElement.GetProperty("frames").GetArrayLength());
    }

    [Fact]
    public async Task RejectionsAndFailuresExit1WithTheReasonOnStderr()
    {
        var bad = Path.Combine(_db.Folder, "bad.csv");
        await File.WriteAllTextAsync(bad, "depth,a\n1,300\n");
        var rejected = await Run("ingest", bad);
        Assert.Equal(1, rejected.Exit);
        Assert.Contains("line 2, column 2 ('a')", rejected.Err);

        var missing = await Run("render", "nope", "--out", Path.Combine(_db.Folder, "x.png"));
        Assert.Equal(1, missing.Exit);
        Assert.Contains("no dataset 'nope'", missing.Err);
    }

    /// <summary>A picture of a window without frames is a usage error naming the window and where the dataset's depths
    /// are — not a PNG without rows (which decoders refuse), nor a crash.</summary>
    [Theory]
    [InlineData("render")]
    [InlineData("gallery", "--colormaps", "viridis,magma")]
    public async Task APictureOfAnEmptyWindowIsAClearErrorAndWritesNothing(string verb, params string[] options)
    {
        Assert.Equal(0, (await Run("ingest", TestPaths.SampleCsv)).Exit);
        var png = Path.Combine(_db.Folder, "empty.png");
        var run = await Run([verb, "img", "--depth-min", "1", "--depth-max", "2", .. options, "--out", png]);
        Assert.Equal(2, run.Exit);
        Assert.Contains("dataset 'img' has no frames between 1 and 2 (--depth-min, --depth-max); it spans 9000.1..9546", run.Err);
        Assert.False(File.Exists(png));
    }

    /// <summary>As a process, an ingest says how it ended in one line, and nothing else: the outcome on standard
    /// output when it succeeded, the reason on standard error when it was rejected — no log line repeating it,
    /// and never a log line on standard output, which scripts read (`datasets --json`).</summary>
    [Fact]
    public async Task AsAProcessAnIngestSaysHowItEndedInOneLine()
    {
        var bad = Path.Combine(_db.Folder, "bad.csv");
        await File.WriteAllTextAsync(bad, "depth,a\n1,300\n");
        var rejected = await _db.RunCliAsync("ingest", bad);
        Assert.Equal((1, ""), (rejected.Exit, rejected.Out));
        Assert.Equal([$"rejected {bad}: line 2, column 2 ('a'): expected an integer grey value 0..255, found '300'"],
            rejected.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var good = Path.Combine(_db.Folder, "good.csv");
        await File.WriteAllTextAsync(good, "depth,a\n1,30\n");
        var succeeded = await _db.RunCliAsync("ingest", good, "--quiet");
        Assert.Equal((0, ""), (succeeded.Exit, succeeded.Err));
        Assert.Single(succeeded.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.StartsWith("succeeded: dataset 'good', 1 rows"));
    }

    /// <summary>A DLIS file with two image channels: one line per dataset it became.</summary>
    [Fact]
    public async Task AsAProcessADlisIngestSaysWhatEachImageChannelBecame()
    {
        var file = Path.Combine(_db.Folder, "two_images.dlis");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "two_images.dlis"), file);
        var run = await _db.RunCliAsync("ingest", file, "--quiet");
        Assert.Equal((0, ""), (run.Exit, run.Err));
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("succeeded: dataset 'two_images-img_a', 200 rows", lines[0]);
        Assert.StartsWith("succeeded: dataset 'two_images-img_b', 200 rows", lines[1]);

        // And `datasets` says where each came from, under its line.
        var list = (await _db.RunCliAsync("datasets")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var b = Array.FindIndex(list, l => l.StartsWith("two_images-img_b "));
        Assert.Equal("    DLIS logical file 0, frame IMG-FRAME, channel IMG_B 'Image B, 56 px' [56] FSINGL mmho, depth m; well SYNTH-WELL-1, field SYNTH-FIELD, company TEST-COMPANY",
            list[b + 1]);
    }

    /// <summary>A LAS file: its dataset, and where it came from under its line in `datasets`.</summary>
    [Fact]
    public async Task AsAProcessALasIngestSaysWhatItBecame()
    {
        var las = new LasText().Curve("DEPT", "F").Image(i => $"IMG_{i:000}", 8, "MMHO", "FMI button").Curve("CALI", "IN");
        for (var s = 0; s < 20; s++) las.Row([3000 + s * 0.1, .. Enumerable.Range(0, 8).Select(a => (double)(a * s)), 8.5]);
        var file = Path.Combine(_db.Folder, "fmi.las");
        await File.WriteAllBytesAsync(file, las.ToBytes());
        var run = await _db.RunCliAsync("ingest", file, "--quiet");
        Assert.Equal((0, ""), (run.Exit, run.Err));
        Assert.StartsWith("succeeded: dataset 'fmi', 20 rows", run.Out);

        var list = (await _db.RunCliAsync("datasets")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("    LAS channel IMG 'FMI button 1' [8] MMHO, depth ft; well SYNTH-WELL-9, field WILDCAT, company ANY LOGGING CO",
            list[Array.FindIndex(list, l => l.StartsWith("fmi ")) + 1]);
    }

    /// <summary>`frames export`: a CSV that ingests back into the same rows, and NumPy arrays of the same window.</summary>
    [Fact]
    public async Task AnExportedWindowIngestsBackAndLoadsAsNumpy()
    {
        var random = new Random(11);
        var csv = Csv.Header(150) + "\n" + string.Join("\n", Enumerable.Range(0, 2500).Select(i => Csv.Row((9000 + i * 0.1).ToString("R", System.Globalization.CultureInfo.InvariantCulture), Enumerable.Range(0, 150).Select(_ => random.Next(256))))) + "\n";
        await _db.IngestTextAsync(csv, "log");
        var exported = Path.Combine(_db.Folder, "window.csv");
        var run = await _db.RunCliAsync("export", "log", "--depth-min", "9010", "--depth-max", "9200.05", "--out", exported);
        Assert.Equal((0, ""), (run.Exit, run.Err));
        Assert.StartsWith($"wrote {exported}: 1,901 frames of dataset 'log' (150 px wide, greys)", run.Out);
        Assert.Equal(IngestStatus.Succeeded, (await _db.IngestTextAsync(await File.ReadAllTextAsync(exported), "again")).Status);
        var (original, again) = (_db.Store.ReadFrames("log", new DepthRange(9010, 9200.05), 5000, 0)!, _db.Store.ReadFrames("again", DepthRange.All, 5000, 0)!);
        Assert.Equal(original.Depths.ToArray(), again.Depths.ToArray());
        Assert.Equal(original.Pixels.ToArray(), again.Pixels.ToArray());

        var npy = Path.Combine(_db.Folder, "window.npy");
        Assert.Equal(0, (await _db.RunCliAsync("export", "log", "--depth-min", "9010", "--depth-max", "9200.05", "--out", npy)).Exit);
        var (descr, shape, data) = ArrayTests.ReadNpy(await File.ReadAllBytesAsync(npy));
        Assert.Equal(("|u1", "1901,150"), (descr, string.Join(',', shape)));
        Assert.Equal(original.Pixels.ToArray(), data);

        var bad = await _db.RunCliAsync("export", "log", "--values", "--out", npy);
        Assert.Equal(2, bad.Exit);
        Assert.Contains("--values: dataset 'log' holds greys only", bad.Err);
    }

    /// <summary>`frames render --normalize` draws the pixels the picture route draws for the same window and options.</summary>
    [Theory]
    [InlineData("static", null)]
    [InlineData("dynamic", null)]
    [InlineData("dynamic", "3")]
    public async Task RenderNormalizesAsThePictureRouteDoes(string normalize, string? window)
    {
        Assert.Equal(0, (await Run("ingest", TestPaths.SampleCsv)).Exit);
        var (png, plain) = (Path.Combine(_db.Folder, "normalized.png"), Path.Combine(_db.Folder, "plain.png"));
        string[] common = ["render", "img", "--depth-min", "9100", "--depth-max", "9150", "--colormap", "viridis"];
        Assert.Equal(0, (await Run([.. common, "--normalize", normalize, .. window is null ? Array.Empty<string>() : ["--window", window], "--out", png])).Exit);
        Assert.Equal(0, (await Run([.. common, "--out", plain])).Exit);

        var api = new Serve.FramesApi(_db.Store, _db.Ingest, new Serve.ResponseCache(_db.Options, _db.Store), new Serve.RenderGate(), _db.Options);
        var answer = api.FramesImage(new Microsoft.AspNetCore.Http.QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(
            $"dataset=img&depth_min=9100&depth_max=9150&colormap=viridis&normalize={normalize}" + (window is null ? "" : $"&window={window}"))));
        Assert.Equal(200, answer.Status);
        Assert.Equal(answer.Body, File.ReadAllBytes(png));
        Assert.NotEqual(File.ReadAllBytes(plain), File.ReadAllBytes(png));
    }

    /// <summary>One typo or bad value per verb: exit 2, and the message names what was wrong.</summary>
    [Theory]
    [InlineData("--depthmin", "render", "img", "--depthmin", "9100", "--out", "w.png")]
    [InlineData("--chunksize", "ingest", "f.csv", "--chunksize", "5")]
    [InlineData("--chunk-size", "ingest", "f.csv", "--chunk-size", "0")]
    [InlineData("--chunk-size", "ingest", "f.csv", "--chunk-size", "20000000")]
    [InlineData("--dataset", "ingest", "-")]
    [InlineData("--api", "upload", "img.csv", "--wait", "--api", "localhost")]
    [InlineData("--timeout", "upload", "img.csv", "--timeout", "soon")]
    [InlineData("--rows", "sample", "--rows", "-3")]
    [InlineData("--depth-start", "sample", "--depth-start", "9000.15")]
    [InlineData("--seed", "sample", "--seed", "x")]
    [InlineData("--diameter", "sample", "--diameter", "0")]
    [InlineData("--jsn", "datasets", "--jsn")]
    [InlineData("--datset", "log", "--datset", "img")]
    [InlineData("--colormap", "render", "img", "--colormap", "rainbow", "--out", "w.png")]
    [InlineData("--rescale", "render", "img", "--rescale", "200,100", "--out", "w.png")]
    [InlineData("--out", "render", "img")]
    [InlineData("--normalize", "render", "img", "--normalize", "sideways", "--out", "w.png")]
    [InlineData("--normalize", "render", "img", "--normalize", "static", "--out", "w.json")]
    [InlineData("--window", "render", "img", "--window", "2", "--out", "w.png")]
    [InlineData("--window", "render", "img", "--normalize", "dynamic", "--window", "0", "--out", "w.png")]
    [InlineData("--colormaps", "gallery", "img", "--colormaps", "viridis,nope", "--out", "g.png")]
    [InlineData("--depth-max", "gallery", "img", "--colormaps", "viridis", "--depth-max", "NaN", "--out", "g.png")]
    [InlineData("url", "probe", "http://[::1")]
    [InlineData("frobnicate", "frobnicate")]
    public async Task UsageErrorsExit2NamingTheOption(string named, params string[] args)
    {
        var result = await Run(args);
        Assert.True(result.Exit == 2, $"exit {result.Exit}: {result.Out}{result.Err}");
        Assert.Contains(named, result.Err);
    }

    [Theory]
    [InlineData("ingest")]
    [InlineData("upload")]
    [InlineData("sample")]
    [InlineData("datasets")]
    [InlineData("log")]
    [InlineData("render")]
    [InlineData("gallery")]
    [InlineData("probe")]
    public async Task EveryVerbHasHelp(string verb)
    {
        var result = await Run(verb, "--help");
        Assert.Equal(0, result.Exit);
        Assert.Contains($"frames {verb}", result.Out);
        Assert.Equal("", result.Err);
    }

    /// <summary><c>--truth</c> writes the planted planes for the stated diameter: a wider hole, the same traces, lower dips.</summary>
    [Fact]
    public async Task SampleWritesItsTruthForTheStatedDiameter()
    {
        string Path(string name) => System.IO.Path.Combine(_db.Folder, name);
        Assert.Equal(0, (await Run("sample", "--rows", "3000", "--seed", "7", "--truth", Path("t.json"), "--out", Path("s.csv"))).Exit);
        Assert.Equal(0, (await Run("sample", "--rows", "3000", "--seed", "7", "--truth", Path("wide.json"), "--diameter", "12.25", "--out", Path("s2.csv"))).Exit);
        using var truth = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path("t.json")));
        using var wide = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path("wide.json")));
        Assert.Equal("ft", truth.RootElement.GetProperty("depth_unit").GetString());
        Assert.Equal(8.5, truth.RootElement.GetProperty("diameter_in").GetDouble());
        var planes = truth.RootElement.GetProperty("planes").EnumerateArray().ToList();
        var expected = Sample.SampleLog.Planes(new Sample.SampleLogSpec(Rows: 3000, Seed: 7), 8.5 / 12);
        Assert.Equal(expected.Count, planes.Count);
        Assert.Equal(Math.Round(expected[0].Dip, 3), planes[0].GetProperty("dip").GetDouble());
        Assert.Contains(planes, p => p.GetProperty("kind").GetString() == "fracture");
        var widePlanes = wide.RootElement.GetProperty("planes").EnumerateArray().ToList();
        Assert.All(planes.Zip(widePlanes), pair =>
        {
            Assert.Equal(pair.First.GetProperty("amplitude").GetDouble(), pair.Second.GetProperty("amplitude").GetDouble());
            Assert.True(pair.Second.GetProperty("dip").GetDouble() <= pair.First.GetProperty("dip").GetDouble());
        });
        Assert.Equal(File.ReadAllBytes(Path("s.csv")), File.ReadAllBytes(Path("s2.csv"))); // the picture does not depend on it
    }

    [Fact]
    public async Task DipsWritesThePlanesAsCsvOrJsonAndNamesAMissingDiameter()
    {
        string Path(string name) => System.IO.Path.Combine(_db.Folder, name);
        Assert.Equal(0, (await Run("sample", "--rows", "1200", "--seed", "3", "--out", Path("d.csv"))).Exit);
        Assert.Equal(0, (await Run("ingest", Path("d.csv"), "--quiet")).Exit);
        var missing = await Run("dips", "d", "--out", Path("dips.csv"));
        Assert.Equal(2, missing.Exit);
        Assert.Contains("--diameter", missing.Err);
        Assert.Equal(0, (await Run("dips", "d", "--diameter", "8.5", "--depth-unit", "ft", "--out", Path("dips.csv"))).Exit);
        var lines = File.ReadAllLines(Path("dips.csv"));
        Assert.Equal("depth,dip,azimuth,apparent_dip,apparent_azimuth,amplitude,score,trace", lines[0]);
        Assert.True(lines.Length > 20, $"{lines.Length - 1} planes in 1,200 rows");
        Assert.Equal(0, (await Run("dips", "d", "--diameter", "216", "--diameter-unit", "mm", "--depth-unit", "ft", "--depth-max", "9050", "--out", Path("dips.json"))).Exit);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path("dips.json")));
        var depths = json.RootElement.GetProperty("dips").EnumerateArray().Select(d => d.GetProperty("depth").GetDouble()).ToList();
        Assert.NotEmpty(depths);
        Assert.All(depths, d => Assert.InRange(d, 9000, 9050));
    }

    [Fact]
    public async Task SampleIsDeterministicForItsSeedAndIngestsAsDescribed()
    {
        string Path(string name) => System.IO.Path.Combine(_db.Folder, name);
        Assert.Equal(0, (await Run("sample", "--rows", "300", "--columns", "64", "--depth-start", "-12.5", "--seed", "7", "--out", Path("a.csv"))).Exit);
        Assert.Equal(0, (await Run("sample", "--rows", "300", "--columns", "64", "--depth-start", "-12.5", "--seed", "7", "--out", Path("b.csv"))).Exit);
        Assert.Equal(0, (await Run("sample", "--rows", "300", "--columns", "64", "--depth-start", "-12.5", "--seed", "8", "--out", Path("c.csv"))).Exit);
        Assert.Equal(File.ReadAllBytes(Path("a.csv")), File.ReadAllBytes(Path("b.csv")));
        Assert.NotEqual(File.ReadAllBytes(Path("a.csv")), File.ReadAllBytes(Path("c.csv")));

        var lines = File.ReadAllLines(Path("a.csv"));
        Assert.Equal("depth," + string.Join(',', Enumerable.Range(1, 64).Select(c => $"col{c}")), lines[0]);
        Assert.StartsWith("-12.5,", lines[1]);
        Assert.StartsWith("-12.4,", lines[2]);
        Assert.StartsWith("17.4,", lines[300]);
        Assert.Equal(new string(',', 64), lines[^1]);

        var ingest = await Run("ingest", Path("a.csv"));
        Assert.StartsWith("succeeded: dataset 'a', 300 rows, 1 skipped", ingest.Out);
        // Structure, not flat noise: the rows below the casing zone differ from each other and use a wide grey range.
        var window = _db.Store.ReadFrames("a", DepthRange.All, int.MaxValue, 0)!;
        var greys = window.Pixels.ToArray()[(150 * 12)..];
        Assert.True(greys.Max() - greys.Min() > 100, $"grey range {greys.Min()}..{greys.Max()}");
    }

    [Fact]
    public async Task ProgressIsAPlainLineASecondWhenNotATerminal()
    {
        var line = IngestProgressLine.Describe(new Ingest.IngestProgress(50_000, 38_000_000), TimeSpan.FromSeconds(2), 76_000_000);
        Assert.Equal("50% of 76.0 MB, 50,000 rows, 25,000 rows/s, 0:02 left", line);
        Assert.Equal("38.0 MB, 50,000 rows, 25,000 rows/s", IngestProgressLine.Describe(new Ingest.IngestProgress(50_000, 38_000_000), TimeSpan.FromSeconds(2), null));

        var stderr = new StringWriter();
        using (var progress = new IngestProgressLine(new CliConsole(new StringWriter(), stderr, IsProcessConsole: false), null))
        {
            progress.Report(new Ingest.IngestProgress(1, 10));
            progress.Report(new Ingest.IngestProgress(2, 20));
            Assert.Equal("", stderr.ToString()); // nothing within the first second
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // a stalled input: the latest count is shown once, not repeated
        }
        Assert.Equal(["0.0 MB, 2 rows"], stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.LastIndexOf(',')]));
    }
}
