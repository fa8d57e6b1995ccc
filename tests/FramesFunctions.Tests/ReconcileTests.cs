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
        // What the trigger's failed deliveries left: three failed attempts, the last one just now.
        for (var i = 0; i < 3; i++)
            _db.Store.RecordAttempt(new IngestAttempt(0, "flaky", source, null, null, _time.GetUtcNow(), _time.GetUtcNow(), null, null, "failed", "disk full"));

        _time.Advance(ReconcileService.Backoff(3) - TimeSpan.FromSeconds(5));
        Assert.Equal(0, (await Sweep().SweepAsync(default)).Ingested); // still backing off
        Assert.Null(_db.Store.FindDataset("flaky"));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await Sweep().SweepAsync(default)).Ingested);
        Assert.Equal(1, _db.Store.FindDataset("flaky")!.RowCount);
        Assert.Equal("succeeded", _db.Store.IngestionLog("flaky")[0].Status);
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
