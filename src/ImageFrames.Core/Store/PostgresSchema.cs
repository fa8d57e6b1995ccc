using Npgsql;

namespace ImageFrames.Store;

/// <summary>
/// The PostgreSQL tables: the same layout as SQLite's current version (see <see cref="SqliteSchema"/>), with
/// PostgreSQL's types. Versioned in <c>frames_schema</c>; migrating runs in one transaction under an advisory
/// lock, so instances starting together migrate once and the others wait, then find it done.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>Any fixed number, the same in every instance: the advisory lock key for migrations.</summary>
    private const long MigrationLock = 0x1F4A_3E5D_0002;

    private static readonly string[] Migrations =
    [
        """
        -- A dataset row points at the version (an ingestion_log id) whose frames are visible.
        CREATE TABLE datasets (
            id            text PRIMARY KEY,
            version       bigint NOT NULL,
            source_name   text NOT NULL,
            source_bytes  bigint NOT NULL,
            sha256        text NOT NULL,
            source_width  integer NOT NULL,
            width         integer NOT NULL,
            resampler     text NOT NULL,
            row_count     integer NOT NULL,
            skipped_rows  integer NOT NULL,
            depth_min     double precision NOT NULL,
            depth_max     double precision NOT NULL,
            ingested_at   timestamptz NOT NULL
        );
        CREATE TABLE ingestion_log (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dataset_id    text NOT NULL,
            source        text NOT NULL,
            source_bytes  bigint,
            sha256        text,
            started_at    timestamptz NOT NULL,
            finished_at   timestamptz,
            rows          integer,
            skipped       integer,
            status        text NOT NULL,
            error         text,
            heartbeat_at  timestamptz
        );
        CREATE INDEX ingestion_log_by_dataset ON ingestion_log (dataset_id, id);
        CREATE INDEX ingestion_log_by_source ON ingestion_log (source, id);
        CREATE INDEX ingestion_log_running ON ingestion_log (heartbeat_at) WHERE status = 'running';
        CREATE TABLE retired_versions (version bigint PRIMARY KEY);
        CREATE TABLE chunks (
            version    bigint NOT NULL,
            level      integer NOT NULL,
            first_row  integer NOT NULL,
            row_count  integer NOT NULL,
            depth_min  double precision NOT NULL,
            depth_max  double precision NOT NULL,
            depths     bytea NOT NULL,
            lines      bytea,
            pixels     bytea NOT NULL,
            PRIMARY KEY (version, level, first_row)
        );
        CREATE INDEX chunks_by_depth ON chunks (version, level, depth_max);
        -- Grey values and float64 depths barely compress, so compressing them only costs time; stored out of
        -- line uncompressed, substring() reads just the pages a window needs.
        ALTER TABLE chunks ALTER COLUMN depths SET STORAGE EXTERNAL, ALTER COLUMN lines SET STORAGE EXTERNAL,
            ALTER COLUMN pixels SET STORAGE EXTERNAL;
        -- Versions come and go in bulk, so the space a purge frees is soon reused; truncating it away would make
        -- vacuum take an exclusive lock that stalls every reader of the table meanwhile.
        ALTER TABLE chunks SET (vacuum_truncate = false, toast.vacuum_truncate = false);
        CREATE TABLE levels (
            version    bigint NOT NULL,
            level      integer NOT NULL,
            row_count  integer NOT NULL,
            PRIMARY KEY (version, level)
        );
        -- Rows of an unsorted input, sorted here before chunking. Unlogged: after a server crash it is empty, and
        -- the ingests it served have failed anyway (their connections broke).
        CREATE UNLOGGED TABLE staging (
            version  bigint NOT NULL,
            depth    double precision NOT NULL,
            line     integer NOT NULL,
            pixels   bytea NOT NULL,
            PRIMARY KEY (version, depth)
        );
        """,
        // As SQLite's migration 3: DLIS datasets' metadata (JSON text).
        "ALTER TABLE datasets ADD COLUMN metadata text;",
        // As SQLite's migration 4: an interpreter's planes, by depth, outliving versions.
        """
        CREATE TABLE picks (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dataset_id  text NOT NULL,
            depth       double precision NOT NULL,
            dip         double precision NOT NULL,
            azimuth     double precision NOT NULL,
            kind        text NOT NULL,
            label       text,
            confidence  double precision,
            source      text NOT NULL,
            residual    double precision,
            created_at  timestamptz NOT NULL
        );
        CREATE INDEX picks_by_depth ON picks (dataset_id, depth);
        """,
    ];

    public static int CurrentVersion => Migrations.Length;

    public static void Migrate(NpgsqlConnection connection)
    {
        if (ReadVersion(connection, null) >= Migrations.Length) return; // the common start: no lock, one query
        using var tx = connection.BeginTransaction();
        using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({MigrationLock})", connection, tx)) lockCommand.ExecuteNonQuery();
        using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS frames_schema (version integer NOT NULL)", connection, tx)) create.ExecuteNonQuery();
        var version = ReadVersion(connection, tx);
        for (; version < Migrations.Length; version++)
            using (var step = new NpgsqlCommand(Migrations[version], connection, tx)) step.ExecuteNonQuery();
        using (var record = new NpgsqlCommand("DELETE FROM frames_schema; INSERT INTO frames_schema VALUES (@v)", connection, tx))
        {
            record.Parameters.AddWithValue("v", version);
            record.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static int ReadVersion(NpgsqlConnection connection, NpgsqlTransaction? tx)
    {
        using (var exists = new NpgsqlCommand("SELECT to_regclass('frames_schema') IS NOT NULL", connection, tx))
            if (!(bool)exists.ExecuteScalar()!) return 0;
        using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM frames_schema", connection, tx);
        var version = Convert.ToInt32(command.ExecuteScalar());
        return version <= Migrations.Length ? version
            : throw new InvalidOperationException($"the database schema is version {version}, newer than this build understands ({Migrations.Length})");
    }
}
