using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ImageFrames.Parse;
using ImageFrames.Render;
using ImageFrames.Resize;
using ImageFrames.Store;

/// <summary>
/// The per-row and per-request hot paths alone, with allocations:
/// <c>dotnet run -c Release --project bench/FramesBench -- micro --filter '*'</c>.
/// Runs in-process so it needs no extra build or restore.
/// </summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    public static readonly IConfig Config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));

    private readonly byte[] _source = new byte[200];
    private readonly byte[] _target = new byte[150];
    private readonly byte[] _csvRows;
    private readonly FrameWindow _window, _window100;
    private readonly SixLabors.ImageSharp.PixelFormats.Rgb24[] _table = ColorMaps.Default.Table(null);

    public MicroBenchmarks()
    {
        new Random(1).NextBytes(_source);
        var csv = new StringBuilder("depth," + string.Join(",", Enumerable.Range(1, 200).Select(i => $"col{i}")) + "\n");
        for (var r = 0; r < 1000; r++) csv.Append($"{9000 + r / 10.0:R},").AppendJoin(',', _source.Select(b => (int)b)).Append('\n');
        _csvRows = Encoding.UTF8.GetBytes(csv.ToString());
        var pixels = new byte[5460 * 150];
        new Random(2).NextBytes(pixels);
        var dataset = new DatasetInfo("bench", 1, "bench.csv", 0, "", 200, 150, "area", 5460, 0, 9000.1, 9546, DateTimeOffset.UnixEpoch);
        _window = new FrameWindow(dataset, 5460, Enumerable.Range(0, 5460).Select(i => 9000.1 + i / 10.0).ToArray(), pixels, 5460);
        _window100 = new FrameWindow(dataset, 100, _window.Depths[..100].ToArray(), _window.Pixels[..(100 * 150)].ToArray(), 100);
    }

    [Benchmark(Description = "resize one row 200→150 (area)")]
    public void ResizeRow() => RowResizer.For(200, 150, Resampler.Area).Resize(_source, _target);

    [Benchmark(Description = "parse + resize 1,000 CSV rows")]
    public async Task<int> ParseRows()
    {
        using var reader = await CsvFrameReader.OpenAsync(new MemoryStream(_csvRows), 150, Resampler.Area, new CsvLimits(10_000, int.MaxValue), default);
        var batch = new FrameBatch(4096, 150);
        while (await reader.FillAsync(batch, default)) { }
        return reader.Rows;
    }

    [Benchmark(Description = "frames JSON, 100 rows")]
    public byte[] Json100() => FramesJson.Write(_window100, new FramesJson.Page(default, 100, 0));

    [Benchmark(Description = "PNG, 5,460×150 full range")]
    public byte[] PngFullRange() => FrameRenderer.Render(_window, _table, ImageFormat.Png);
}
