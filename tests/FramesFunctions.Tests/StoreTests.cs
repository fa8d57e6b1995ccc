using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>Atomic versions, idempotency and the end-to-end sample, on real SQLite files.</summary>
public sealed class StoreTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task IngestsTheRealisticSample()
    {
        var result = await _db.IngestFileAsync(TestPaths.SampleCsv);
        Assert.Equal(IngestStatus.Succeeded, result.Status);
        Assert.Equal("img", result.DatasetId);
        Assert.Equal(5460, result.Rows);
        Assert.Equal(1, result.SkippedRows);

        var dataset = _db.Store.FindDataset("img")!;
        Assert.Equal((5460, 1, 200, 150, 9000.1, 9546.0, "area"),
            (dataset.RowCount, dataset.SkippedRows, dataset.SourceWidth, dataset.Width, dataset.DepthMin, dataset.DepthMax, dataset.Resampler));
        Assert.Equal(new FileInfo(TestPaths.SampleCsv).Length, dataset.SourceBytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(TestPaths.SampleCsv))), dataset.Sha256);

        var all = _db.Store.ReadFrames("img", DepthRange.All, int.MaxValue, 0)!;
        Assert.Equal(5460, all.Count);
        Assert.Equal(150 * 5460, all.Pixels.Length);
        Assert.Equal(9000.1, all.Depths[0]);
        Assert.Equal(9546.0, all.Depths[^1]);
        Assert.All(all.Pixels.ToArray(), v => Assert.InRange(v, (byte)13, (byte)237));

        // The stored row is the area average of the file's row (first data row is flat 224).
        Assert.All(all.Row(0).ToArray(), v => Assert.Equal(224, v));
        var window = _db.Store.ReadFrames("img", new DepthRange(9100, 9110), int.MaxValue, 0)!;
        Assert.Equal(101, window.Count);
        Assert.Equal(9100.0, window.Depths[0]);
        Assert.Equal(9110.0, window.Depths[^1]);
    }

    [Fact]
    public async Task TheSchemaIsVersionedAndTheFileIsWal()
    {
        await _db.IngestTextAsync(Csv.Of(2, ("1", 1)));
        Assert.Equal((long)Store.SqliteSchema.CurrentVersion, _db.Scalar("PRAGMA user_version"));
        Assert.Equal("wal", _db.Scalar("PRAGMA journal_mode"));
    }

    /// <summary>An ingest's own commits never checkpoint; the store copies the WAL in the background and the
    /// writer finishes each checkpoint between batches, so the WAL starts over and stays a small part of a long
    /// ingest instead of growing with it: a background copy alone never catches up with a writer that never
    /// pauses, as here (batches written back to back, 32 MB of pixels, a checkpoint every 1 MB).</summary>
    [Fact]
    public void AWriterThatNeverPausesKeepsTheWalSmall()
    {
        var options = new ImageFrames.Configuration.FramesOptions { DatabasePath = Path.Combine(_db.Folder, "wal.db"), TargetWidth = 1500 };
        using var store = new SqliteFrameStore(options) { CheckpointEveryBytes = 1 << 20 };
        WriteBackToBack(store, "long", Batches);
        var wal = new FileInfo(options.DatabasePath + "-wal").Length;
        Assert.True(wal < Batches * 256L * options.TargetWidth / 3, $"the WAL grew to {wal:N0} bytes for {Batches * 256L * options.TargetWidth:N0} bytes of pixels");
        Assert.Equal(Batches * 256, store.ReadFrames("long", DepthRange.All, int.MaxValue, 0)!.Count);
    }

    private const int Batches = 84; // 84 × 256 rows × 1,500 px = 32 MB

    /// <summary>An ingest's batches written back to back, with no parser to wait for, then published.</summary>
    private static void WriteBackToBack(SqliteFrameStore store, string dataset, int batches)
    {
        var batch = new Parse.FrameBatch(256, 1500);
        using var writer = store.BeginIngest(dataset, dataset + ".csv", DateTimeOffset.UtcNow);
        for (var b = 0; b < batches; b++)
        {
            for (batch.Count = 0; !batch.IsFull; batch.Count++)
            {
                (batch.Depths[batch.Count], batch.Lines[batch.Count]) = (b * 256 + batch.Count, b * 256 + batch.Count + 2);
                batch.Row(batch.Count).Fill((byte)b);
            }
            writer.Write(batch);
        }
        writer.Publish(new DatasetContent(dataset + ".csv", 1, dataset, 8, 1500, "area", batches * 256, 0, 0, batches * 256 - 1), DateTimeOffset.UtcNow);
    }

    /// <summary>What an ingest leaves in the WAL is copied into the database file once it ends, without waiting
    /// for more writes to reach the checkpoint size (which here never comes): the file holds the data while the
    /// store is still open.</summary>
    [Fact]
    public async Task AnEndedIngestReachesTheDatabaseFileWithoutFurtherWrites()
    {
        var options = new ImageFrames.Configuration.FramesOptions { DatabasePath = Path.Combine(_db.Folder, "copied.db"), TargetWidth = 1500 };
        using var store = new SqliteFrameStore(options) { CheckpointEveryBytes = long.MaxValue };
        var ingest = new Ingest.IngestService(store, options, _db.Metrics, Microsoft.Extensions.Logging.Abstractions.NullLogger<Ingest.IngestService>.Instance);
        const int rows = 4_000; // 6 MB of pixels
        var csv = Csv.Header(8) + "\n" + string.Join("\n", Enumerable.Range(0, rows).Select(r => Csv.Row(r.ToString(), Enumerable.Repeat(r % 256, 8).ToArray()))) + "\n";
        using var input = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv));
        Assert.Equal(IngestStatus.Succeeded, (await ingest.IngestAsync(input, "copied", "copied.csv")).Status);
        var file = new FileInfo(options.DatabasePath);
        for (var waited = 0; waited < 100 && file.Length < rows * 1500L; waited++)
        {
            await Task.Delay(100);
            file.Refresh();
        }
        Assert.True(file.Length >= rows * 1500L, $"the database file holds {file.Length:N0} bytes, less than the {rows * 1500L:N0} bytes of pixels ingested");
    }
}
