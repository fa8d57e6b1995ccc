using ImageFrames.Serve;

namespace ImageFrames.Tests;

/// <summary>Bursts of big requests: identical misses render once, renders queue behind a bounded gate and
/// are refused with 503 + Retry-After rather than piling up.</summary>
public sealed class BurstTests
{
    [Fact]
    public async Task ConcurrentMissesOfOneKeyRenderOnce()
    {
        using var db = new TempDatabase();
        var cache = new ResponseCache(db.Options, db.Store);
        var renders = 0;
        ApiResponse Render()
        {
            Interlocked.Increment(ref renders);
            Thread.Sleep(500); // a slow picture: every other caller arrives while it is drawn
            return new ApiResponse(200, "image/png", [1, 2, 3]);
        }

        using var start = new ManualResetEventSlim();
        var callers = Enumerable.Range(0, 8) // threads of their own: all eight are waiting when the start is given
            .Select(_ => Task.Factory.StartNew(() => { start.Wait(); return cache.GetOrAdd("d", "same-key", Render); }, TaskCreationOptions.LongRunning))
            .ToArray();
        start.Set();
        var responses = await Task.WhenAll(callers);

        Assert.Equal(1, renders);
        Assert.All(responses, r => Assert.Same(responses[0], r));
        var stats = cache.Stats();
        Assert.Equal((1, 7), (stats.Misses, stats.Collapsed));
    }

    [Fact]
    public async Task AFullGateAnswers503WithRetryAfter()
    {
        var gate = new RenderGate(1, TimeSpan.FromMilliseconds(200));
        using var release = new ManualResetEventSlim();
        using var holding = new ManualResetEventSlim();
        var busy = Task.Run(() => gate.Run(() => { holding.Set(); release.Wait(); return new ApiResponse(200, "image/png", []); }));
        holding.Wait();

        var refused = gate.Run(() => throw new InvalidOperationException("must not render while the gate is full"));
        Assert.Equal(503, refused.Status);
        Assert.Equal("2", refused.Headers!["Retry-After"]);

        release.Set();
        Assert.Equal(200, (await busy).Status);
        Assert.Equal(200, gate.Run(() => new ApiResponse(200, "image/png", [])).Status); // the slot is free again
    }
}
