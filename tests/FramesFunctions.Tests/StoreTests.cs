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
    public async Task SameContentAgainIsUnchangedAndStoresRowsOnce()
    {
        var csv = Csv.Of(200, ("1", 5), ("2", 6));
        Assert.Equal(IngestStatus.Succeeded, (await _db.IngestTextAsync(csv)).Status);
        var version = _db.Store.FindDataset("test")!.Version;
        Assert.Equal(IngestStatus.Unchanged, (await _db.IngestTextAsync(csv)).Status);
        Assert.Equal(IngestStatus.Unchanged, (await _db.IngestTextAsync(csv)).Status);

        Assert.Equal(version, _db.Store.FindDataset("test")!.Version);
        Assert.Equal(2L, _db.StoredRows());
        Assert.Equal(["unchanged", "unchanged", "succeeded"], _db.Store.IngestionLog("test").Select(e => e.Status));
    }

    [Fact]
    public async Task NewContentReplacesTheOldVersionWhole()
    {
        await _db.IngestTextAsync(Csv.Of(200, ("1", 5), ("2", 6), ("3", 7)));
        await _db.IngestTextAsync(Csv.Of(200, ("10", 50), ("20", 60)));
        var frames = _db.Store.ReadFrames("test", DepthRange.All, int.MaxValue, 0)!;
        Assert.Equal([10.0, 20.0], frames.Depths.ToArray());
        Assert.Equal(2L, _db.StoredRows()); // the old version's rows are gone, not orphaned
    }

    [Fact]
    public async Task ARejectedFileLeavesThePreviousVersionIntact()
    {
        await _db.IngestTextAsync(Csv.Of(200, ("1", 5), ("2", 6)));
        var before = _db.Store.FindDataset("test")!;
        // Valid for 3,000 rows, then a bad value: the ingest has written thousands of rows before it fails.
        var rows = Enumerable.Range(0, 3000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(9, 200)));
        var bad = Csv.Header(200) + "\n" + string.Join("\n", rows) + "\n3000," + string.Join(",", Enumerable.Repeat("300", 200)) + "\n";

        var result = await _db.IngestTextAsync(bad);

        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.StartsWith("line 3002, column 2", result.Error);
        Assert.Equal(before, _db.Store.FindDataset("test"));
        var frames = _db.Store.ReadFrames("test", DepthRange.All, int.MaxValue, 0)!;
        Assert.Equal([1.0, 2.0], frames.Depths.ToArray());
        Assert.Equal(2L, _db.StoredRows());
    }

    [Fact]
    public async Task ReadersKeepSeeingTheOldVersionUntilTheNewOneCommits()
    {
        await _db.IngestTextAsync(Csv.Of(200, ("1", 5)));
        var writer = _db.Store.BeginIngest("test", "test.csv", DateTimeOffset.UtcNow);
        var batch = new Parse.FrameBatch(1, 150) { Count = 1 };
        batch.Depths[0] = 99;
        batch.Lines[0] = 2;
        writer.Write(batch);
        Assert.Equal([1.0], _db.Store.ReadFrames("test", DepthRange.All, 10, 0)!.Depths.ToArray()); // mid-ingest
        writer.Publish(new DatasetContent("test.csv", 1, "new", 200, 150, "area", 1, 0, 99, 99), DateTimeOffset.UtcNow);
        writer.Dispose();
        Assert.Equal([99.0], _db.Store.ReadFrames("test", DepthRange.All, 10, 0)!.Depths.ToArray());
    }

    [Fact]
    public async Task TheSchemaIsVersionedAndTheFileIsWal()
    {
        await _db.IngestTextAsync(Csv.Of(2, ("1", 1)));
        Assert.Equal((long)Store.SqliteSchema.CurrentVersion, _db.Scalar("PRAGMA user_version"));
        Assert.Equal("wal", _db.Scalar("PRAGMA journal_mode"));
    }
}
