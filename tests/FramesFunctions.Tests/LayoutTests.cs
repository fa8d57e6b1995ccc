using ImageFrames.Store;
using Microsoft.Data.Sqlite;

namespace ImageFrames.Tests;

/// <summary>Storage layout v2: chunks found by index, any input order, overview levels, and databases written
/// by the previous layout.</summary>
public sealed class LayoutTests : IDisposable
{
    private readonly TempDatabase _db = new(o => { o.ChunkSize = 500; o.TargetWidth = 4; }); // 4 columns stored as they are

    public void Dispose() => _db.Dispose();

    /// <summary>Rows whose depths are irregular and whose grey encodes their index, ingested in the given order.</summary>
    private async Task<double[]> IngestAsync(string dataset, IEnumerable<int> order, int width = 4)
    {
        var depths = Enumerable.Range(0, 3000).Select(i => Math.Round(i * 0.7 + (i % 7) * 0.05, 2)).ToArray();
        var csv = Csv.Header(width) + "\n" + string.Join("\n", order.Select(i => Csv.Row(depths[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture), Enumerable.Repeat(i % 256, width)))) + "\n";
        Assert.Equal(IngestStatus.Succeeded, (await _db.IngestTextAsync(csv, dataset)).Status);
        return depths;
    }

    /// <summary>Two hundred random windows, pages and bounds (on rows, between rows, outside the data) against
    /// a plain LINQ answer over the same rows.</summary>
    [Fact]
    public async Task WindowsTotalsAndPagesMatchAPlainScan()
    {
        var depths = await IngestAsync("scan", Enumerable.Range(0, 3000));
        var random = new Random(11);
        double? Bound() => random.Next(5) switch
        {
            0 => null,
            1 => depths[random.Next(depths.Length)],                 // exactly on a row
            2 => depths[random.Next(depths.Length)] + 0.01,          // between rows
            3 => random.Next(2) == 0 ? -100 : 1e6,                   // outside the data
            _ => random.NextDouble() * 2200,
        };
        for (var i = 0; i < 200; i++)
        {
            var range = new DepthRange(Bound(), Bound());
            var (limit, offset) = (random.Next(1, 1500), random.Next(0, 3) == 0 ? 0 : random.Next(0, 2500));
            var expected = depths.Where(d => d >= (range.Min ?? double.NegativeInfinity) && d <= (range.Max ?? double.PositiveInfinity)).ToArray();
            var window = _db.Store.ReadFrames("scan", range, limit, offset)!;
            Assert.Equal(expected.Length, window.Total);
            Assert.Equal(expected.Skip(offset).Take(limit).ToArray(), window.Depths.ToArray());
            for (var r = 0; r < window.Count; r++)
                Assert.Equal(Array.IndexOf(depths, window.Depths[r]) % 256, window.Row(r)[0]);
        }
    }

    [Fact]
    public async Task RowsInAnyOrderAreStoredSorted()
    {
        var shuffled = Enumerable.Range(0, 3000).OrderBy(i => (i * 7919) % 3001).ToArray();
        var depths = await IngestAsync("shuffled", shuffled);
        // Sorted for 1,700 rows (three chunks written), then one row out of order: what was written moves to staging.
        var late = await IngestAsync("late", Enumerable.Range(0, 1700).Append(2999).Concat(Enumerable.Range(1700, 1299)));

        foreach (var dataset in new[] { "shuffled", "late" })
        {
            var all = _db.Store.ReadFrames(dataset, DepthRange.All, int.MaxValue, 0)!;
            Assert.Equal(depths, all.Depths.ToArray());
            for (var r = 0; r < all.Count; r++) Assert.Equal(r % 256, all.Row(r)[0]);
        }
        Assert.Equal(depths, late);
        Assert.Equal(0L, _db.Scalar("SELECT count(*) FROM staging")); // chunked and cleared
    }

    [Theory]
    [InlineData("1,1,1\n2,2,2\n2,3,3\n", "duplicate depth 2: already on line 3", "line 4")]   // sorted: adjacent
    [InlineData("5,1,1\n2,2,2\n5,3,3\n", "duplicate depth 5: already on line 2", "line 4")]   // unsorted: staged
    public async Task DuplicateDepthsNameBothLines(string rows, string message, string where)
    {
        var result = await _db.IngestTextAsync("depth,a,b\n" + rows, "dup");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains(message, result.Error);
        Assert.StartsWith(where, result.Error);
    }

    /// <summary>Levels ×4 by exact area average until one has at most 4,096 rows; a tall picture of a long
    /// window reads the coarsest level that still has the rows it needs.</summary>
    [Fact]
    public async Task OverviewLevelsAreExactAreaAveragesAndServeTallPictures()
    {
        var width = 4;
        var lines = Enumerable.Range(0, 20_000).Select(i => Csv.Row((i / 10.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture), Enumerable.Range(0, width).Select(x => Grey(i, x))));
        await _db.IngestTextAsync(Csv.Header(width) + "\n" + string.Join("\n", lines) + "\n", "long");
        var version = _db.Store.FindDataset("long")!.Version;
        Assert.Equal([20_000L, 5_000L, 1_250L], Levels(version));
        var stored = (long)_db.Scalar("SELECT sum(row_count) FROM levels WHERE level > 0")!;
        Assert.True(stored <= 0.35 * 20_000, $"overviews hold {stored} rows");

        var (overview, level, baseRows) = _db.Store.ReadForHeight("long", DepthRange.All, 1_000, 100_000)!.Value;
        Assert.Equal((2, 1_250, 20_000), (level, overview.Count, baseRows));
        // Level 2 row 7 averages level-1 rows 28..31, each the average of 4 base rows: 16 base rows 112..127.
        var expected = Enumerable.Range(0, width).Select(x =>
        {
            var level1 = Enumerable.Range(28, 4).Select(j => (Enumerable.Range(4 * j, 4).Sum(i => Grey(i, x)) + 2) / 4).ToArray();
            return (byte)((level1.Sum() + 2) / 4);
        }).ToArray();
        Assert.Equal(expected, overview.Row(7).ToArray());
        Assert.Equal(Enumerable.Range(112, 16).Average(i => i / 10.0), overview.Depths[7], 9);

        Assert.Equal(1, _db.Store.ReadForHeight("long", new DepthRange(0, 999.9), 1_000, 100_000)!.Value.Level); // 10,000 rows: level 1 has 2,500
        Assert.Equal(0, _db.Store.ReadForHeight("long", new DepthRange(0, 99.9), 1_000, 100_000)!.Value.Level);  // 1,000 rows: only level 0 has them

        static int Grey(int i, int x) => x switch { 0 => i % 256, 1 => i * 3 % 256, 2 => 255 - i % 256, _ => i / 100 % 256 };
    }

    private long[] Levels(long version)
    {
        using var connection = new SqliteConnection($"Data Source={_db.Options.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT row_count FROM levels WHERE version = {version} ORDER BY level";
        using var reader = command.ExecuteReader();
        var rows = new List<long>();
        while (reader.Read()) rows.Add(reader.GetInt64(0));
        return [.. rows];
    }

    /// <summary>A file written by the previous layout (one row per depth) opens, migrates and answers the same.</summary>
    [Fact]
    public void ADatabaseOfThePreviousLayoutIsMigratedOnFirstOpen()
    {
        var path = Path.Combine(_db.Folder, "old.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            SqliteSchema.Migrate(connection, SqliteSchema.CurrentVersion - 1);
            using var write = connection.CreateCommand();
            write.CommandText = """
                INSERT INTO ingestion_log (id, dataset_id, source, started_at, status) VALUES (7, 'old', 'old.csv', '2026-01-01T00:00:00.0000000+00:00', 'succeeded');
                INSERT INTO datasets VALUES ('old', 7, 'old.csv', 100, 'abc', 2, 2, 'area', 3, 0, 1.5, 3.5, '2026-01-01T00:00:00.0000000+00:00');
                INSERT INTO frames VALUES (7, 3.5, 4, x'0a0b'), (7, 1.5, 2, x'0102'), (7, 2.5, 3, x'0304');
                INSERT INTO frames VALUES (9, 1.0, 2, x'ffff'); -- an unpublished version: not carried over
                """;
            write.ExecuteNonQuery();
        }

        var store = new SqliteFrameStore(new Configuration.FramesOptions { DatabasePath = path, TargetWidth = 2 });
        var window = store.ReadFrames("old", DepthRange.All, 10, 0)!;

        Assert.Equal([1.5, 2.5, 3.5], window.Depths.ToArray());
        Assert.Equal([1, 2, 3, 4, 10, 11], window.Pixels.ToArray());
        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var tables = check.CreateCommand();
        tables.CommandText = "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master WHERE name = 'frames'), (SELECT count(*) FROM chunks)";
        using var reader = tables.ExecuteReader();
        reader.Read();
        Assert.Equal((SqliteSchema.CurrentVersion, 0, 1), (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2)));
    }
}
