using System.Text.Json;
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
    public async Task RejectionsAndMistakesExitNonZeroWithTheReasonOnStderr()
    {
        var bad = Path.Combine(_db.Folder, "bad.csv");
        await File.WriteAllTextAsync(bad, "depth,a\n1,300\n");
        var rejected = await Run("ingest", bad);
        Assert.Equal(1, rejected.Exit);
        Assert.Contains("line 2, column 2 ('a')", rejected.Err);

        Assert.Equal(2, (await Run("ingest", Path.Combine(_db.Folder, "missing.csv"))).Exit);
        Assert.Equal(2, (await Run("render", "img", "--out")).Exit);
        Assert.Contains("no dataset 'nope'", (await Run("render", "nope", "--out", Path.Combine(_db.Folder, "x.png"))).Err);
        Assert.Equal(2, (await Run("ingest", "-")).Exit); // standard input needs --dataset
    }
}
