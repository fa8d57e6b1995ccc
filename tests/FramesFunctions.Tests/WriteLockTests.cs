using ImageFrames.Store;

namespace ImageFrames.Tests;

public sealed class WriteLockTests
{
    /// <summary>While another connection holds the write lock past the busy timeout, an ingest fails with a
    /// retryable error (so the host retries it later) instead of hanging with its parser stalled; once the
    /// lock is free the retry succeeds.</summary>
    [Fact]
    public async Task AnIngestThatCannotGetTheWriteLockFailsInsteadOfHanging()
    {
        using var db = new TempDatabase(o => { o.BusyTimeoutSeconds = 1; o.ChunkSize = 10; });
        await db.IngestTextAsync(Csv.Of(2, ("0", 0)), "other");
        using var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db.Options.DatabasePath};Pooling=False");
        blocker.Open();
        using var hold = blocker.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock
        var rows = Csv.Header(2) + "\n" + string.Join("\n", Enumerable.Range(0, 1000).Select(i => $"{i},1,2")) + "\n";

        var ingest = db.IngestTextAsync(rows, "locked");

        var failure = await Assert.ThrowsAsync<Ingest.IngestFailedException>(() => ingest.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(failure.InnerException);
        Assert.Null(db.Store.FindDataset("locked"));

        hold.Rollback(); // the fault clears: the host's retry of the same content now succeeds
        Assert.Equal(IngestStatus.Succeeded, (await db.IngestTextAsync(rows, "locked")).Status);
        Assert.Equal(1000, db.Store.FindDataset("locked")!.RowCount);
    }
}
