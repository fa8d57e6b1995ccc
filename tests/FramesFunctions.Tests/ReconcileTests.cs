using System.Text;
using Azure.Storage.Blobs;
using ImageFrames.Ingest;
using ImageFrames.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>The reconcile sweep against a real Azurite: missed blobs, rejected ones, and failed ones retried.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReconcileTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TempDatabase _db = new(o => o.InputContainer = "rc-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly ManualTime _time = new();

    public void Dispose() => _db.Dispose();

    private ReconcileService Sweep() => new(azurite.Blobs, _db.Store, _db.Ingest, _db.Options, _time, NullLogger<ReconcileService>.Instance);

    private async Task<BlobContainerClient> UploadAsync(params (string Name, string Content)[] blobs)
    {
        var container = azurite.Blobs.GetBlobContainerClient(_db.Options.InputContainer);
        await container.CreateIfNotExistsAsync();
        foreach (var (name, content) in blobs) await container.GetBlobClient(name).UploadAsync(new BinaryData(Encoding.UTF8.GetBytes(content)));
        return container;
    }

    [Fact]
    public async Task TheSweepIngestsMissedBlobsOnceAndDoesNotRetryRejectedOnes()
    {
        await UploadAsync(("missed.csv", Csv.Of(200, ("1", 1), ("2", 2))), ("broken.csv", "not,a,frames,file\n"));

        var first = await Sweep().SweepAsync(default);
        Assert.Equal((2, 2), (first.Listed, first.Ingested));
        Assert.Equal(2, _db.Store.FindDataset("missed")!.RowCount);
        Assert.Equal("rejected", _db.Store.IngestionLog("broken")[0].Status);

        _time.Advance(TimeSpan.FromDays(1));
        var second = await Sweep().SweepAsync(default);
        Assert.Equal((2, 0), (second.Listed, second.Ingested));
        Assert.Equal(2, _db.Store.IngestionLog().Count);
    }

    /// <summary>A blob whose deliveries all failed (the host gave up: poison) is retried by the sweep once its
    /// backoff has passed, and ingested when the fault has cleared.</summary>
    [Fact]
    public async Task AFailedBlobIsRetriedAfterItsBackoff()
    {
        var container = await UploadAsync(("flaky.csv", Csv.Of(4, ("1", 1))));
        var source = $"{container.Name}/flaky.csv";
        // The attempts come after the upload (the manual clock started before it; an attempt older than the blob
        // would make it due as "changed since last tried", whatever the backoff: this test was flaky so).
        _time.Advance(TimeSpan.FromSeconds(2));
        // What the trigger's failed deliveries left: three failed attempts, the last one just now.
        for (var i = 0; i < 3; i++)
            _db.Store.RecordAttempt(new IngestAttempt(0, "flaky", source, null, null, _time.GetUtcNow(), _time.GetUtcNow(), null, null, "failed", "disk full"));

        _time.Advance(ReconcileService.Backoff(1) - TimeSpan.FromSeconds(5)); // three quick deliveries: one round
        Assert.Equal(0, (await Sweep().SweepAsync(default)).Ingested); // still backing off
        Assert.Null(_db.Store.FindDataset("flaky"));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await Sweep().SweepAsync(default)).Ingested);
        Assert.Equal(1, _db.Store.FindDataset("flaky")!.RowCount);
        Assert.Equal("succeeded", _db.Store.IngestionLog("flaky")[0].Status);
    }

    /// <summary>The host's own quick deliveries of a blob (five within seconds) are one round, not five steps of
    /// backoff: the sweep's first retry comes at the first sweep at least a minute after the host gave up, and
    /// each failed retry of the sweep's own doubles the wait, 2, 4 … minutes.</summary>
    [Fact]
    public void TheHostsQuickDeliveriesCountAsOneRoundOfBackoff()
    {
        const string source = "frames-input/flaky.csv";
        void Fail() => _db.Store.RecordAttempt(new IngestAttempt(0, "flaky", source, null, null, _time.GetUtcNow(), _time.GetUtcNow(), null, null, "failed", "disk full"));
        bool Due() => ReconcileService.IsDue(_db.Store.LatestAttempt(source), modified: null, _time.GetUtcNow());

        for (var delivery = 0; delivery < 5; delivery++)
        {
            Fail();
            _time.Advance(TimeSpan.FromSeconds(2));
        }
        _time.Advance(TimeSpan.FromSeconds(50)); // 52 s after the host's last failure
        Assert.False(Due());
        _time.Advance(TimeSpan.FromSeconds(10)); // 62 s
        Assert.True(Due());

        foreach (var minutes in new[] { 2, 4, 8 })
        {
            Fail(); // the sweep's retry failed too
            _time.Advance(TimeSpan.FromMinutes(minutes) - TimeSpan.FromSeconds(5));
            Assert.False(Due());
            _time.Advance(TimeSpan.FromSeconds(10));
            Assert.True(Due());
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 8)]
    [InlineData(7, 60)]
    [InlineData(100, 60)]
    public void BackoffDoublesUpToAnHour(int failures, int minutes) => Assert.Equal(TimeSpan.FromMinutes(minutes), ReconcileService.Backoff(failures));

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
