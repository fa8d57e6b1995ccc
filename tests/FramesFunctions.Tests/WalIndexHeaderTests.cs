using ImageFrames.Store;
using Microsoft.Data.Sqlite;

namespace ImageFrames.Tests;

/// <summary>The WAL index header read without SQLite (what makes a SQLite cache hit cost no statement): its hash
/// holds while nothing commits, changes with every commit of any connection, and is refused while torn.</summary>
public sealed class WalIndexHeaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("walindex-").FullName;
    private string DatabasePath => Path.Combine(_folder, "db.sqlite");

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void TheHashChangesWithEveryCommitAndOnlyThen()
    {
        using var watch = Connect();
        Execute(watch, "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)");
        using var header = WalIndexHeader.Open(DatabasePath);
        Assert.NotNull(header);
        using var writer = Connect();
        var seen = new HashSet<ulong>();
        for (var i = 0; i < 20; i++)
        {
            Assert.True(header.TryRead(out var before));
            Assert.True(header.TryRead(out var again));
            Assert.Equal(before, again);
            Assert.True(seen.Add(before), $"commit {i}: a stamp seen before");
            Execute(writer, $"INSERT INTO t VALUES ({i})");
        }
        Execute(writer, "PRAGMA wal_checkpoint(TRUNCATE)"); // the WAL starts over: still a new stamp
        Assert.True(header.TryRead(out var restarted));
        Execute(writer, "INSERT INTO t VALUES (99)");
        Assert.True(header.TryRead(out var afterRestart));
        Assert.NotEqual(restarted, afterRestart);
        Assert.DoesNotContain(afterRestart, seen);
    }

    [Fact]
    public void ATornHeaderIsRefused()
    {
        using (var watch = Connect()) Execute(watch, "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)");
        var shm = DatabasePath + "-shm";
        var bytes = new byte[32_768];
        bytes[12] = 1; // initialised
        bytes[48 + 12] = 1;
        File.WriteAllBytes(shm, bytes);
        using (var header = WalIndexHeader.Open(DatabasePath))
            Assert.True(header!.TryRead(out _));
        bytes[16] = 7; // mxFrame of the first copy only: a writer halfway
        File.WriteAllBytes(shm, bytes);
        using (var header = WalIndexHeader.Open(DatabasePath))
            Assert.False(header!.TryRead(out _));
    }

    [Fact]
    public void ADatabaseWithoutAWalIndexHasNoHeader()
    {
        using (var connection = Connect()) Execute(connection, "CREATE TABLE t (x INTEGER)"); // rollback journal
        Assert.Null(WalIndexHeader.Open(DatabasePath));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
