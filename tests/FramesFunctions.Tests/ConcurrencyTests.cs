using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using ImageFrames.Configuration;
using ImageFrames.Ingest;
using ImageFrames.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>Several processes and requests on one database: a fresh process reads while another writes, a slow
/// ingest holds nobody up, and what a killed ingest leaves behind is cleaned up.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempDatabase _db = new(o => { o.BusyTimeoutSeconds = 3; o.ChunkSize = 100; });

    public void Dispose() => _db.Dispose();

    /// <summary>A second process (a new store on the same file) while a writer holds SQLite's write lock.</summary>
    [Fact]
    public async Task AFreshProcessReadsWithinASecondWhileTheWriteLockIsHeld()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("1", 1)), "old");
        using var blocker = new SqliteConnection($"Data Source={_db.Options.DatabasePath};Pooling=False");
        blocker.Open();
        using var hold = blocker.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: another process writing

        var fresh = new SqliteFrameStore(new FramesOptions { DatabasePath = _db.Options.DatabasePath, BusyTimeoutSeconds = 30 });
        var clock = Stopwatch.StartNew();
        var datasets = await Task.Run(fresh.ListDatasets).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the first read took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("old", Assert.Single(datasets).Id);
    }

    [Fact]
    public void AFailedFirstOpenIsRetriedNotCached()
    {
        var blockingFile = Path.Combine(_db.Folder, "not-a-folder");
        File.WriteAllText(blockingFile, "");
        var store = new SqliteFrameStore(new FramesOptions { DatabasePath = Path.Combine(blockingFile, "frames.db") });
        Assert.ThrowsAny<IOException>(store.ListDatasets); // the folder cannot be created: a file has its name

        File.Delete(blockingFile);
        Assert.Empty(store.ListDatasets()); // the same store, once the fault clears
    }

    /// <summary>An ingest whose input stalls (a slow client, a slow blob) must not hold the write lock: other
    /// ingests, a rejected file's log entry and a delete all complete meanwhile, within a 3 s busy timeout;
    /// the stalled version stays invisible until it is published.</summary>
    [Fact]
    public async Task AStalledIngestHoldsNobodyUp()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("1", 1)), "doomed");
        var pipe = new Pipe();
        var slow = Task.Run(() => _db.Ingest.IngestAsync(pipe.Reader.AsStream(), "slow", "slow.csv"));
        var rows = Csv.Header(4) + "\n" + string.Join("\n", Enumerable.Range(0, 2500).Select(i => Csv.Row(i.ToString(), [i % 256, 1, 2, 3]))) + "\n";
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(rows)); // two full chunks committed, then the client stalls
        await WaitUntil(() => _db.StoredRows() >= 2 * Chunks.Rows);

        Assert.Equal(IngestStatus.Succeeded, (await _db.IngestTextAsync(Csv.Of(4, ("5", 5)), "other").WaitAsync(TimeSpan.FromSeconds(30))).Status);
        Assert.Equal(IngestStatus.Rejected, (await _db.IngestTextAsync("depth,a\n1,300\n", "bad").WaitAsync(TimeSpan.FromSeconds(30))).Status);
        Assert.Equal("rejected", _db.Store.IngestionLog("bad")[0].Status);
        Assert.True(_db.Store.DeleteDataset("doomed"));
        Assert.Null(_db.Store.FindDataset("slow")); // written rows are not visible yet

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("2500,1,2,3,4\n"));
        await pipe.Writer.CompleteAsync();
        var result = await slow.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(IngestStatus.Succeeded, result.Status);
        Assert.Equal(2501, _db.Store.FindDataset("slow")!.RowCount);
        Assert.Equal(2501 + 1, _db.StoredRows()); // "other"'s row, nothing left of "doomed"
    }


    /// <summary>A version whose writer died (its heartbeat is older than FRAMES_ABANDONED_AFTER_SECONDS) is
    /// logged as failed and its rows removed; a live writer's version is left alone.</summary>
    [Fact]
    public async Task AbandonedVersionsAreRemovedAndLiveOnesKept()
    {
        await _db.IngestTextAsync(Csv.Of(150, ("1", 1)), "kept");
        using var abandoned = _db.Store.BeginIngest("ghost", "ghost.csv", DateTimeOffset.UtcNow);
        abandoned.Write(Batch(Enumerable.Range(0, 1500).Select(i => (double)i).ToArray())); // one full chunk committed
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        using var live = _db.Store.BeginIngest("alive", "alive.csv", DateTimeOffset.UtcNow);
        live.Write(Batch(Enumerable.Range(0, 1500).Select(i => (double)i).ToArray()));
        Assert.Equal(1 + 2 * Chunks.Rows, _db.StoredRows());

        var removed = _db.Store.RemoveAbandonedIngests(TimeSpan.FromSeconds(1));

        Assert.Equal(1, removed);
        Assert.Equal(1 + Chunks.Rows, _db.StoredRows()); // "kept" and the live writer's chunk
        var ghost = _db.Store.IngestionLog("ghost")[0];
        Assert.Equal("failed", ghost.Status);
        Assert.Contains("abandoned", ghost.Error);
        // The abandoned writer cannot come back and publish a half-deleted version.
        Assert.ThrowsAny<Exception>(() => abandoned.Write(Batch(2000)));
        Assert.Null(_db.Store.FindDataset("ghost"));
    }


    private static Parse.FrameBatch Batch(params double[] depths)
    {
        var batch = new Parse.FrameBatch(depths.Length, 150) { Count = depths.Length };
        for (var i = 0; i < depths.Length; i++) (batch.Depths[i], batch.Lines[i]) = (depths[i], i + 2);
        return batch;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting");
            await Task.Delay(20);
        }
    }
}
