using Microsoft.Data.Sqlite;

namespace ImageFrames.Store;

/// <summary>
/// The database layout, versioned through <c>PRAGMA user_version</c>: migration <c>i</c> takes a file from
/// version <c>i</c> to <c>i + 1</c>, so an older file is brought forward in place on first open.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>One step: its SQL, then optionally code that moves data into the new shape (same transaction).</summary>
    private sealed record Migration(string Sql, Action<SqliteConnection, SqliteTransaction>? Code = null)
    {
        public static implicit operator Migration(string sql) => new(sql);
    }

    private static readonly Migration[] Migrations =
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
        """
        -- Ingests commit their rows batch by batch into a version nobody reads until it is published, so the
        -- write lock is held only for short commits. A running ingest proves it is alive through heartbeat_at;
        -- versions that are no longer visible (replaced, deleted, rejected, abandoned) wait in
        -- retired_versions until their rows are purged in short transactions.
        ALTER TABLE ingestion_log ADD COLUMN heartbeat_at TEXT;
        CREATE INDEX ingestion_log_running ON ingestion_log (heartbeat_at) WHERE status = 'running';
        -- The reconcile sweep asks for the latest attempt of one blob at a time.
        CREATE INDEX ingestion_log_by_source ON ingestion_log (source, id);
        CREATE TABLE retired_versions (version INTEGER PRIMARY KEY) STRICT;
        """,
        new("""
        -- Layout v2 (see Chunks): depth-sorted rows in chunks, plus overview levels. A level's row count is in
        -- levels; chunks are found by row index (first_row) or by depth (depth_max, increasing with first_row).
        CREATE TABLE chunks (
            version    INTEGER NOT NULL,
            level      INTEGER NOT NULL,
            first_row  INTEGER NOT NULL,
            row_count  INTEGER NOT NULL,
            depth_min  REAL NOT NULL,
            depth_max  REAL NOT NULL,
            depths     BLOB NOT NULL,
            lines      BLOB,
            pixels     BLOB NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX chunks_by_row ON chunks (version, level, first_row);
        CREATE INDEX chunks_by_depth ON chunks (version, level, depth_max);
        CREATE TABLE levels (
            version    INTEGER NOT NULL,
            level      INTEGER NOT NULL,
            row_count  INTEGER NOT NULL,
            PRIMARY KEY (version, level)
        ) STRICT, WITHOUT ROWID;
        -- Rows of an ingest whose input is not sorted by depth, sorted here by the primary key before chunking.
        CREATE TABLE staging (
            version  INTEGER NOT NULL,
            depth    REAL NOT NULL,
            line     INTEGER NOT NULL,
            pixels   BLOB NOT NULL,
            PRIMARY KEY (version, depth)
        ) STRICT, WITHOUT ROWID;
        """, MoveFramesIntoChunks),
        // Datasets from files with physical values (DLIS) keep where they came from and their grey → value mapping.
        "ALTER TABLE datasets ADD COLUMN metadata TEXT;",
        // An interpreter's planes (true attitude) on a dataset: tied to depths, not to a version, so they outlive
        // re-ingests; deleted with the dataset.
        """
        CREATE TABLE picks (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            dataset_id  TEXT NOT NULL,
            depth       REAL NOT NULL,
            dip         REAL NOT NULL,
            azimuth     REAL NOT NULL,
            kind        TEXT NOT NULL,
            label       TEXT,
            confidence  REAL,
            source      TEXT NOT NULL,
            residual    REAL,
            created_at  TEXT NOT NULL
        ) STRICT;
        CREATE INDEX picks_by_depth ON picks (dataset_id, depth);
        """,
    ];

    /// <summary>Layout v1 → v2: every dataset's visible version is re-chunked (with its overview levels) from
    /// the one-row-per-depth table, which is then dropped. Versions nobody can read are not carried over.</summary>
    private static void MoveFramesIntoChunks(SqliteConnection connection, SqliteTransaction tx)
    {
        var versions = new List<(long Version, int Width)>();
        using (var datasets = connection.CreateCommand())
        {
            datasets.Transaction = tx;
            datasets.CommandText = "SELECT version, width FROM datasets";
            using var reader = datasets.ExecuteReader();
            while (reader.Read()) versions.Add((reader.GetInt64(0), reader.GetInt32(1)));
        }
        foreach (var (version, width) in versions)
        {
            var builder = new LevelBuilder(width, chunk => SqliteFrameStore.InsertChunk(connection, tx, version, chunk));
            using var rows = connection.CreateCommand();
            rows.Transaction = tx;
            rows.CommandText = "SELECT depth, line, pixels FROM frames WHERE version = $v ORDER BY depth";
            rows.Parameters.AddWithValue("$v", version);
            using (var reader = rows.ExecuteReader())
                while (reader.Read()) builder.Add(reader.GetDouble(0), reader.GetInt32(1), reader.GetFieldValue<byte[]>(2));
            IngestWriter.InsertLevels(connection, tx, version, builder.Finish());
        }
        Scalar(connection, tx, """
            DROP TABLE frames;
            DELETE FROM retired_versions;
            UPDATE ingestion_log SET status = 'failed', heartbeat_at = NULL, error = 'abandoned: the storage layout was upgraded while it ran'
            WHERE status = 'running';
            """);
    }

    public static int CurrentVersion => Migrations.Length;

    /// <summary>The last version of layout v1 (one row per depth in <c>frames</c>), which migration 2 re-chunks.</summary>
    internal const int LayoutV1Version = 2;

    /// <summary>
    /// Brings the file to <see cref="CurrentVersion"/>. Only a file that is behind takes the write lock (and
    /// re-reads its version under it, since another process may have migrated meanwhile); an up-to-date file
    /// is only read, so a new process never waits behind a running ingest to start.
    /// </summary>
    public static void Migrate(SqliteConnection connection) => Migrate(connection, Migrations.Length);

    /// <summary>Brings the file to <paramref name="target"/> (tests build files of earlier layouts with it).</summary>
    internal static void Migrate(SqliteConnection connection, int target)
    {
        var version = ReadVersion(connection, null);
        if (version >= target) return;
        if (version == 0) Scalar(connection, null, "PRAGMA journal_mode = WAL"); // a new file
        using var tx = connection.BeginTransaction(deferred: false);
        for (version = ReadVersion(connection, tx); version < target; version++)
        {
            Scalar(connection, tx, Migrations[version].Sql);
            Migrations[version].Code?.Invoke(connection, tx);
            Scalar(connection, tx, $"PRAGMA user_version = {version + 1}");
        }
        tx.Commit();
    }

    private static int ReadVersion(SqliteConnection connection, SqliteTransaction? tx)
    {
        var version = Convert.ToInt32(Scalar(connection, tx, "PRAGMA user_version"));
        return version <= Migrations.Length ? version
            : throw new InvalidOperationException($"the database schema is version {version}, newer than this build understands ({Migrations.Length})");
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
