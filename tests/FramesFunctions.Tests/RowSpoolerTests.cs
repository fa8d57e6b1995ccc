using ImageFrames.Parse;

namespace ImageFrames.Tests;

/// <summary>
/// The reader/spooler hand-over: rows reach their channels' spools in order, resized, with their curves, however
/// many blocks they fill; and a failure on the spooling side reaches the reader instead of leaving it waiting.
/// </summary>
public sealed class RowSpoolerTests
{
    private static ImageChannelSpool Spool(string channel, int sourceWidth, int curves) =>
        new(new ImageChannelSource("TEST", 0, null, "F", channel, null, "u", $"[{sourceWidth}]", null, null, null, "DEPTH", "m", "m", null, null),
            sourceWidth, 4, integerCode: false, Path.GetTempPath(), [.. Enumerable.Range(0, curves).Select(c => new CurveSource($"C{c}", null, "", null))]);

    [Fact]
    public async Task RowsReachTheirSpoolsInOrderResizedWithTheirCurves()
    {
        using var a = Spool("A", 8, 2);
        using var b = Spool("B", 4, 2);
        var spooler = new RowSpooler(4);
        for (var frame = 0; frame < 3000; frame++) // several blocks' worth
        {
            var curves = spooler.Reserve(2, out var curvesAt);
            (curves[0], curves[1]) = (frame, -frame);
            var values = spooler.Reserve(8, out var aAt);
            for (var i = 0; i < 8; i++) values[i] = frame + i / 2 * 10; // pairs average to frame + 10 × k
            spooler.Add(a, frame * 0.5, frame, curvesAt, aAt, 8);
            values = spooler.Reserve(4, out var bAt);
            values.Fill(frame % 2 == 0 ? double.NaN : frame);
            spooler.Add(b, frame * 0.5, frame, curvesAt, bAt, 4);
            await spooler.FlushIfFullAsync(default);
        }
        await spooler.CompleteAsync(default);

        Assert.Equal((3000, 3000, 0.0, 1499.5), (a.Rows, b.Rows, a.DepthMin, a.DepthMax));
        Assert.Equal((3000L * 4, 1500L * 4, 1500L * 4), (a.Histogram.Present, b.Histogram.Present, b.Histogram.Absent));
        var depths = new List<double>();
        a.ReadCurvesByDepth((depth, curves) => { depths.Add(depth); Assert.Equal(new[] { depth * 2, -depth * 2 }, curves.ToArray()); });
        Assert.Equal(Enumerable.Range(0, 3000).Select(f => f * 0.5), depths);
        var batch = new FrameBatch(3000, 4);
        a.Rewind();
        a.Fill(batch, Normalize.StaticNormalization.Linear(a.Histogram));
        Assert.Equal(Enumerable.Range(0, 3000), batch.Lines);
        Assert.Equal(3000 + 30 - 1, a.Histogram.Max);
    }

    [Fact]
    public async Task AFailureWhileSpoolingReachesTheReader()
    {
        var broken = Spool("A", 4, 0);
        broken.Dispose(); // its file is closed: every append fails
        var spooler = new RowSpooler(4);
        var reading = Task.Run(async () =>
        {
            for (var frame = 0; frame < 100_000; frame++)
            {
                spooler.Reserve(4, out var at).Fill(1);
                spooler.Add(broken, frame, frame, at, at, 4);
                await spooler.FlushIfFullAsync(default);
            }
            await spooler.CompleteAsync(default);
        });
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reading.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
