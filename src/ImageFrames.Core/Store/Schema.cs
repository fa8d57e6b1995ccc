using Microsoft.Data.Sqlite;

namespace ImageFrames.Store;

/// <summary>
/// The database layout, versioned through <c>PRAGMA user_version</c>: migration <c>i</c> takes a file from
/// version <c>i</c> to <c>i + 1</c>, so an older file is brought forward in place on first open.
/// </summary>
internal static class Schema
{
    private static readonly string[] Migrations =
    [
        """
        -- A dataset row points at the version (an ingestion_log id) whose frames are visible. Swapping the
        -- pointer in the ingest's own transaction is what makes a new version appear all at once.
        CREATE TABLE datasets (
            id            TEXT PRIMARY KEY,
            version       INTEGER NOT NULL,
            source_name   TEXT NOT NULL,
            source_bytes  INTEGER NOT NULL,
            sha256        TEXT NOT NULL,
            source_width  INTEGER NOT NULL,
            width         INTEGER NOT NULL,
            resampler     TEXT NOT NULL,
            row_count     INTEGER NOT NULL,
            skipped_rows  INTEGER NOT NULL,
            depth_min     REAL NOT NULL,
            depth_max     REAL NOT NULL,
            ingested_at   TEXT NOT NULL
        ) STRICT;
        -- Clustered on (version, depth): a depth-range query of one version reads contiguous pages.
        CREATE TABLE frames (
            version  INTEGER NOT NULL,
            depth    REAL NOT NULL,
            line     INTEGER NOT NULL,
            pixels   BLOB NOT NULL,
            PRIMARY KEY (version, depth)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE ingestion_log (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            dataset_id    TEXT NOT NULL,
            source        TEXT NOT NULL,
            source_bytes  INTEGER,
            sha256        TEXT,
            started_at    TEXT NOT NULL,
            finished_at   TEXT,
            rows          INTEGER,
            skipped       INTEGER,
            status        TEXT NOT NULL,
            error         TEXT
        ) STRICT;
        CREATE INDEX ingestion_log_by_dataset ON ingestion_log (dataset_id, id);
        """,
    ];

    public static void Migrate(SqliteConnection connection)
    {
        using var tx = connection.BeginTransaction();
        var version = Convert.ToInt32(Scalar(connection, tx, "PRAGMA user_version"));
        if (version > Migrations.Length)
            throw new InvalidOperationException($"the database schema is version {version}, newer than this build understands ({Migrations.Length})");
        for (; version < Migrations.Length; version++)
        {
            Scalar(connection, tx, Migrations[version]);
            Scalar(connection, tx, $"PRAGMA user_version = {version + 1}");
        }
        tx.Commit();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
