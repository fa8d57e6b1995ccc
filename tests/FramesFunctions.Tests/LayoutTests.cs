using ImageFrames.Store;
using Microsoft.Data.Sqlite;

namespace ImageFrames.Tests;

/// <summary>SQLite files written by the previous storage layout (one row per depth) are migrated to layout v2 on
/// first open. What layout v2 does for both stores is in <see cref="StoreContractTests"/>.</summary>
public sealed class LayoutTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    /// <summary>A file written by the previous layout (one row per depth) opens, migrates and answers the same.</summary>
    [Fact]
    public void ADatabaseOfThePreviousLayoutIsMigratedOnFirstOpen()
    {
        var path = Path.Combine(_db.Folder, "old.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            SqliteSchema.Migrate(connection, SqliteSchema.LayoutV1Version);
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
