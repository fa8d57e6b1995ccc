using System.Globalization;
using System.IO.Compression;
using Microsoft.Data.Sqlite;

namespace ImageFrames.Operations;

/// <summary>What a backup holds, read back from the copy before it counts.</summary>
public sealed record BackupSummary(int Datasets, long Rows, long DatabaseBytes);

/// <summary>A backup that cannot be restored: not gzip, not SQLite, damaged, or not this service's database.</summary>
public sealed class BackupRejectedException(string message) : Exception(message);

/// <summary>
/// Backups of the SQLite store, and their restore. A backup is an online, consistent snapshot taken with SQLite's
/// backup API (one read transaction: ingests and reads go on, and a version is in it whole or not at all), checked
/// (<c>PRAGMA integrity_check</c>, and the datasets and their versions read back) before it counts, then gzip-
/// compressed. A restore checks the same before it touches anything, refuses to replace a database another
/// process has open, and swaps the file in with one rename: a crash leaves the old database or the new one.
/// </summary>
public static class SqliteBackup
{
    /// <summary>Backup names sort by the time they were taken: <c>frames-20261203T004500Z.db.gz</c>.</summary>
    public static string NameFor(DateTimeOffset taken) => $"frames-{taken.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.db.gz";

    public static bool IsBackupName(string name) =>
        name.StartsWith("frames-", StringComparison.Ordinal) && name.EndsWith(".db.gz", StringComparison.Ordinal);

    /// <summary>Takes a checked snapshot of the database at <paramref name="databasePath"/> and writes it
    /// gzip-compressed to a temporary file beside the database, whose path is returned: the caller moves or uploads
    /// it, then deletes it. The uncompressed copy is made and removed there too.</summary>
    public static async Task<(string CompressedPath, BackupSummary Summary)> CreateAsync(string databasePath, CancellationToken ct = default)
    {
        if (!File.Exists(databasePath)) throw new FileNotFoundException($"no database at {databasePath} (FRAMES_DB_PATH)", databasePath);
        var copy = TemporaryBeside(databasePath, "backup");
        var compressed = copy + ".gz";
        try
        {
            using (var source = Open(databasePath, SqliteOpenMode.ReadOnly))
            using (var destination = Open(copy, SqliteOpenMode.ReadWriteCreate))
                source.BackupDatabase(destination);
            var (datasets, rows) = Check(copy, "the snapshot", "no backup was written");
            await using (var file = File.OpenRead(copy))
            await using (var output = File.Create(compressed))
            await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
                await file.CopyToAsync(gzip, ct).ConfigureAwait(false);
            return (compressed, new BackupSummary(datasets, rows, new FileInfo(copy).Length));
        }
        catch
        {
            DeleteQuietly(compressed);
            throw;
        }
        finally
        {
            DeleteQuietly(copy);
        }
    }

    /// <summary>Restores a compressed backup over the database at <paramref name="databasePath"/>. Refuses — and
    /// leaves everything as it was — when the backup does not check out, when a database is there and
    /// <paramref name="force"/> is not given, and always when another process has that database open.</summary>
    public static async Task<BackupSummary> RestoreAsync(Stream backup, string databasePath, bool force, CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        var restored = TemporaryBeside(databasePath, "restore");
        try
        {
            try
            {
                await using var gzip = new GZipStream(backup, CompressionMode.Decompress, leaveOpen: true);
                await using var file = File.Create(restored);
                await gzip.CopyToAsync(file, ct).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw new BackupRejectedException($"the backup is not a gzip-compressed database ({e.Message}); nothing was restored");
            }
            var (datasets, rows) = Check(restored, "the backup", "nothing was restored");
            if (File.Exists(databasePath))
            {
                if (!force)
                    throw new BackupRejectedException($"a database is already at {databasePath}; pass --force to replace it (it holds {DatasetsIn(databasePath)}), nothing was restored");
                LeaveWal(databasePath);
            }
            // One rename: the path names the old file or the new one, never a mix. The old database left WAL mode
            // above, so no -wal file of its own can be applied to the new one.
            File.Move(restored, databasePath, overwrite: true);
            return new BackupSummary(datasets, rows, new FileInfo(databasePath).Length);
        }
        finally
        {
            DeleteQuietly(restored);
        }
    }

    /// <summary>The checks a copy passes before it counts: SQLite's own, and this service's tables read back.</summary>
    private static (int Datasets, long Rows) Check(string path, string what, string outcome)
    {
        try
        {
            using var connection = Open(path, SqliteOpenMode.ReadOnly);
            using (var integrity = connection.CreateCommand())
            {
                integrity.CommandText = "PRAGMA integrity_check";
                var verdict = integrity.ExecuteScalar() as string;
                if (verdict != "ok") throw new BackupRejectedException($"{what} fails SQLite's integrity check: {verdict}; {outcome}");
            }
            // Every dataset's visible version whole: its rows all in the base level's chunks.
            using var incomplete = connection.CreateCommand();
            incomplete.CommandText = """
                SELECT d.id, d.version, d.row_count, coalesce((SELECT sum(c.row_count) FROM chunks c WHERE c.version = d.version AND c.level = 0), 0)
                FROM datasets d ORDER BY d.id
                """;
            var (datasets, rows) = (0, 0L);
            using var reader = incomplete.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetInt64(2) != reader.GetInt64(3))
                    throw new BackupRejectedException($"{what} holds dataset '{reader.GetString(0)}' at version {reader.GetInt64(1)} with {reader.GetInt64(3)} of its {reader.GetInt64(2)} rows; {outcome}");
                datasets++;
                rows += reader.GetInt64(2);
            }
            return (datasets, rows);
        }
        catch (SqliteException e)
        {
            throw new BackupRejectedException($"{what} is not an ImageFrames database ({e.Message}); {outcome}");
        }
    }

    private static string DatasetsIn(string path)
    {
        try
        {
            using var connection = Open(path, SqliteOpenMode.ReadOnly);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM datasets";
            return $"{command.ExecuteScalar()} datasets";
        }
        catch (SqliteException)
        {
            return "no readable datasets";
        }
    }

    /// <summary>Takes the database out of WAL mode, which SQLite allows only to the one connection that has it
    /// open: so a database another process (the app, an ingest) has open is refused here, and the switch
    /// checkpoints the WAL into the file and removes it.</summary>
    private static void LeaveWal(string path)
    {
        try
        {
            using var connection = Open(path, SqliteOpenMode.ReadWrite);
            using var command = connection.CreateCommand();
            command.CommandTimeout = 2; // Microsoft.Data.Sqlite retries a busy database until this runs out (0: for ever)
            command.CommandText = "PRAGMA journal_mode = DELETE";
            if (command.ExecuteScalar() as string != "delete") throw new BackupRejectedException($"another process has the database at {path} open; stop it first (nothing was restored)");
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED
        {
            throw new BackupRejectedException($"another process has the database at {path} open; stop it first (nothing was restored)");
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static string TemporaryBeside(string databasePath, string purpose) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath))!, $".{Path.GetFileName(databasePath)}.{purpose}-{Guid.NewGuid():N}.tmp");

    private static void DeleteQuietly(string path)
    {
        foreach (var file in new[] { path, path + "-journal", path + "-wal", path + "-shm" })
            try { File.Delete(file); } catch (IOException) { }
    }
}
