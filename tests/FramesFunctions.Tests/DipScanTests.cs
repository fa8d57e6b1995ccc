using ImageFrames.Interpret;
using ImageFrames.Sample;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// The scan over a whole dataset, block by block: searched on several threads (as the CLI does), it gives the very
/// planes a one-thread scan (as the routes do) gives, in the same order, whichever block finishes first.
/// </summary>
public sealed class DipScanTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task ScanningOnSeveralThreadsGivesTheSamePlanesInDepthOrder(int parallelism)
    {
        // 3,600 rows: seven blocks of 512, so threads overtake each other (a dense zone takes a block longer).
        using (var csv = new MemoryStream())
        {
            SampleLog.Write(new SampleLogSpec(Rows: 3600, Seed: 5), csv);
            await _db.IngestBytesAsync(csv.ToArray(), "log");
        }
        List<DetectedDip> Scan(int threads)
        {
            using var frames = _db.Store.StreamFrames("log", DepthRange.All)!;
            return new DipScan(HoleLog.Plain(8.5 / 12)).Scan(frames, null, threads).ToList();
        }

        var alone = Scan(1);
        var together = Scan(parallelism);

        Assert.True(alone.Count > 100, $"{alone.Count} planes in 3,600 rows");
        Assert.Equal(alone, together);
        Assert.Equal(alone.OrderBy(d => d.Depth).Select(d => d.Depth), together.Select(d => d.Depth));
    }
}
