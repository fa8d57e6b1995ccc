using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using ImageFrames.Configuration;
using ImageFrames.Ingest;
using ImageFrames.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>SQLite's single write lock: a fresh process reads while another holds it, and a failed first open is
/// retried. How ingests interleave and what a killed ingest leaves is in <see cref="StoreContractTests"/>.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempDatabase _db = new(o => { o.BusyTimeoutSeconds = 3; o.ChunkSize = 100; });

    public void Dispose() => _db.Dispose();

    /// <summary>A second process (a new store on the same file) while a writer holds SQLite's write lock.</summary>
    [Fact]
    public async Task AFreshProcessReadsWithoutWaitingForTheWriteLock()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("1", 1)), "old");
        using var blocker = new SqliteConnection($"Data Source={_db.Options.DatabasePath};Pooling=False");
        blocker.Open();
        using var hold = blocker.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: another process writing

        var fresh = new SqliteFrameStore(new FramesOptions { DatabasePath = _db.Options.DatabasePath, BusyTimeoutSeconds = 30 });
        var clock = Stopwatch.StartNew();
        var datasets = await Task.Run(fresh.ListDatasets).WaitAsync(TimeSpan.FromSeconds(60));
        // Blocked, it would wait out the 30 s busy timeout; 10 s leaves room for a loaded machine (a fresh-clone CI
        // run took 1.0 s here while the suite started its servers).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the first read took {clock.Elapsed.TotalSeconds:F1} s");
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
}
