using System.Data;
using System.Data.Common;
using ImageFrames.Configuration;

namespace ImageFrames.Store;

/// <summary>
/// Where datasets, their chunked frames (layout v2, see <see cref="Chunks"/>) and the ingestion log live: a SQLite
/// file for one machine (<see cref="SqliteFrameStore"/>) or a PostgreSQL database that many instances share
/// (<see cref="PostgresFrameStore"/>), chosen by <c>FRAMES_POSTGRES</c>. Both hold the same tables, so the
/// semantics are written once, here, in SQL both understand; each store supplies only what its engine does
/// differently — connections and transactions, timestamps, and how chunk bytes go in and come out.
/// Writers use short transactions (one batch, one publish, one purge step), readers read one committed snapshot.
/// </summary>
public abstract partial class FrameStore : IDisposable
{
    private readonly Lock _schemaGate = new();
    private volatile bool _schemaReady;

    private protected FrameStore(int width) => Width = width;

    /// <summary>Picks the store the settings name: PostgreSQL when <c>FRAMES_POSTGRES</c> is set, else SQLite.
    /// <paramref name="postgresCredential"/>: see <see cref="PostgresFrameStore(FramesOptions, Azure.Core.TokenCredential?)"/>.</summary>
    public static FrameStore Create(FramesOptions options, Azure.Core.TokenCredential? postgresCredential = null) =>
        string.IsNullOrWhiteSpace(options.PostgresConnectionString) ? new SqliteFrameStore(options) : new PostgresFrameStore(options, postgresCredential);

    /// <summary>Raised after a dataset's visible version changed (ingested or deleted) in this process.</summary>
    public event Action<string>? DatasetChanged;

    private long _unwatched;

    /// <summary>
    /// A stamp that stays the same only while no process can have changed what the database holds: facts read
    /// under one stamp (which version a dataset shows) may be reused while it holds, without a database trip, and
    /// another process's publish still shows on the next request. SQLite: the file's data version; PostgreSQL: a
    /// count of the publishes notified. Where nothing watches (the default, or a watch that failed), every call is
    /// new — reuse never happens, and nothing stale is served.
    /// </summary>
    public virtual long ChangeStamp() => -Interlocked.Increment(ref _unwatched);

    /// <summary>Tells other processes, once <paramref name="tx"/> commits, that a dataset's visible version changed.</summary>
    internal virtual void NotifyChanged(DbConnection connection, DbTransaction tx, string datasetId) { }

    /// <summary>Connections opened for reads and writes (the change watch's own excepted): what tests count to prove
    /// that an answer took no database trip.</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _opened);

    private long _opened;

    private protected void CountOpen() => Interlocked.Increment(ref _opened);

    /// <summary><c>sqlite</c> or <c>postgres</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Where the data is, for messages: a file path, or host, database and user — never a secret.</summary>
    public abstract string Location { get; }

    /// <summary>The bytes the database takes on its disk, for the metrics: what backups and disk alerts size by.</summary>
    public abstract long SizeBytes();

    /// <summary>Stored pixels per row.</summary>
    private protected int Width { get; }

    // ---- what each engine does its own way ---------------------------------------------------------------

    /// <summary>A pooled connection with the schema brought up to date (<see cref="EnsureSchema"/>).</summary>
    internal abstract DbConnection Open(bool forWriting = false);

    /// <summary>Creates or migrates the schema once per store, through <paramref name="migrate"/>; a failure (disk,
    /// permissions, a database down or locked past its timeout) is not remembered, so the next call tries again.</summary>
    private protected void EnsureSchema(Action migrate)
    {
        if (_schemaReady) return;
        lock (_schemaGate)
        {
            if (_schemaReady) return;
            migrate();
            _schemaReady = true;
        }
    }

    /// <summary>A write transaction: SQLite takes its one write lock at once, so it never has to upgrade.</summary>
    internal abstract DbTransaction BeginWrite(DbConnection connection);

    /// <summary>A write transaction for one batch of an unpublished version: nobody reads it, and if it is lost
    /// in a crash the ingest fails anyway, so it need not wait for its commit to reach the disk.</summary>
    internal virtual DbTransaction BeginBatch(DbConnection connection) => BeginWrite(connection);

    /// <summary>A read transaction whose statements all see one snapshot.</summary>
    internal abstract DbTransaction BeginRead(DbConnection connection);

    /// <summary>What a read of one known version runs in: its rows never change, so a server needs no snapshot
    /// (null: each statement on its own, no BEGIN or COMMIT round trips); SQLite's snapshot costs nothing.</summary>
    internal virtual DbTransaction? BeginVersionRead(DbConnection connection) => BeginRead(connection);

    /// <summary>Serialises the publishes and deletes of one dataset (SQLite's write lock already does).</summary>
    internal virtual void LockDataset(DbConnection connection, DbTransaction tx, string datasetId) { }

    /// <summary>How timestamps are stored: SQLite has no type for them, PostgreSQL has <c>timestamptz</c>.</summary>
    internal abstract DbType TimeType { get; }
    internal abstract object TimeValue(DateTimeOffset value);
    internal abstract DateTimeOffset ReadTime(DbDataReader reader, int i);

    internal DbCommand WithTime(DbCommand command, string name, DateTimeOffset? value)
    {
        command.Add(name, TimeType, value is { } t ? TimeValue(t) : null);
        return command;
    }

    /// <summary>The connection an ingest writes its batches on.</summary>
    internal virtual DbConnection OpenIngest() => Open(forWriting: true);

    /// <summary>Called on an ingest's connection after each batch committed <paramref name="bytes"/> of chunks.</summary>
    internal virtual void OnBatchCommitted(DbConnection connection, long bytes) { }

    /// <summary>Called when an ingest has published or ended.</summary>
    internal virtual void OnIngestEnded() { }

    /// <summary>Writes chunks of one version (SQLite: one insert each; PostgreSQL: one binary COPY).</summary>
    internal abstract void WriteChunks(DbConnection connection, DbTransaction tx, long version, IReadOnlyList<Chunk> chunks);

    /// <summary>Rows <c>[from, to)</c> of a level, one page per chunk holding some, in row order: only those rows' bytes are read.</summary>
    internal abstract IEnumerable<FramePage> ReadPages(DbConnection connection, DbTransaction? tx, long version, int level, int from, int to, int rowBytes);

    /// <summary>A driver's exception worth a retry or a 503 (the database failed), as opposed to a bug.</summary>
    public static bool IsDatabaseFailure(Exception e) => e is DbException or TimeoutException;

    public virtual void Dispose() => GC.SuppressFinalize(this);

    // ---- ingest ---------------------------------------------------------------------------------------

    /// <summary>Logs a running ingest and opens the version it writes into (a short write transaction).</summary>
    public IngestWriter BeginIngest(string datasetId, string source, DateTimeOffset startedAt)
    {
        var connection = OpenIngest();
        try
        {
            return new IngestWriter(this, connection, datasetId, source, startedAt, Width);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal void OnDatasetChanged(string datasetId) => DatasetChanged?.Invoke(datasetId);

    /// <summary>Logs an attempt that left no version behind (unchanged, rejected, failed).</summary>
    public void RecordAttempt(IngestAttempt attempt)
    {
        using var connection = Open(forWriting: true);
        using var command = connection.Command("""
            INSERT INTO ingestion_log (dataset_id, source, source_bytes, sha256, started_at, finished_at, rows, skipped, status, error)
            VALUES (@dataset, @source, @bytes, @sha, @started, @finished, @rows, @skipped, @status, @error)
            """)
            .With("@dataset", attempt.DatasetId).With("@source", attempt.Source).With("@bytes", attempt.SourceBytes).With("@sha", attempt.Sha256)
            .With("@rows", attempt.Rows).With("@skipped", attempt.Skipped).With("@status", attempt.Status).With("@error", attempt.Error);
        WithTime(WithTime(command, "@started", attempt.StartedAt), "@finished", attempt.FinishedAt);
        command.ExecuteNonQuery();
    }

    private const string AttemptColumns = "id, dataset_id, source, source_bytes, sha256, started_at, finished_at, rows, skipped, status, error";

    public IReadOnlyList<IngestAttempt> IngestionLog(string? datasetId = null, int limit = 100)
    {
        using var connection = Open();
        using var command = connection.Command($"SELECT {AttemptColumns} FROM ingestion_log WHERE @dataset IS NULL OR dataset_id = @dataset ORDER BY id DESC LIMIT @limit")
            .With("@dataset", datasetId).With("@limit", limit);
        using var reader = command.ExecuteReader();
        var log = new List<IngestAttempt>();
        while (reader.Read()) log.Add(ReadAttempt(reader));
        return log;
    }

    /// <summary>The latest attempt to ingest <paramref name="source"/> and how many attempts in a row (up to
    /// <paramref name="countUpTo"/>) have failed: two index seeks, however long the log.</summary>
    public SourceHistory? LatestAttempt(string source, int countUpTo = 32)
    {
        using var connection = Open();
        using var command = connection.Command($"SELECT {AttemptColumns} FROM ingestion_log WHERE source = @source ORDER BY id DESC LIMIT @n")
            .With("@source", source).With("@n", countUpTo);
        using var reader = command.ExecuteReader();
        IngestAttempt? latest = null;
        var failures = new List<IngestAttempt>();
        while (reader.Read())
        {
            var attempt = ReadAttempt(reader);
            latest ??= attempt;
            if (attempt.Status != "failed") break;
            failures.Add(attempt);
        }
        return latest is null ? null : new SourceHistory(latest, failures);
    }

    // ---- read -----------------------------------------------------------------------------------------

    private const string DatasetColumns =
        "id, version, source_name, source_bytes, sha256, source_width, width, resampler, row_count, skipped_rows, depth_min, depth_max, ingested_at, metadata";
    private const int DatasetColumnCount = 14;

    public IReadOnlyList<DatasetInfo> ListDatasets()
    {
        using var connection = Open();
        using var command = connection.Command($"SELECT {DatasetColumns} FROM datasets ORDER BY id");
        using var reader = command.ExecuteReader();
        var list = new List<DatasetInfo>();
        while (reader.Read()) list.Add(ReadDataset(reader));
        return list;
    }

    public DatasetInfo? FindDataset(string id)
    {
        using var connection = Open();
        return FindDataset(connection, null, id);
    }

    internal DatasetInfo? FindDataset(DbConnection connection, DbTransaction? tx, string id)
    {
        using var command = connection.Command($"SELECT {DatasetColumns} FROM datasets WHERE id = @id", tx).With("@id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadDataset(reader) : null;
    }

    /// <summary>
    /// Reads the frames of <paramref name="datasetId"/> within <paramref name="range"/>, ascending by depth, in
    /// one snapshot, so metadata, total and rows all describe the same version. Returns null for an unknown
    /// dataset. When more than <paramref name="maxTotal"/> rows match, no rows are read (the caller refuses).
    /// Window bounds and the total come from the chunk index (O(log n)); only the rows returned are read.
    /// </summary>
    public FrameWindow? ReadFrames(string datasetId, DepthRange range, int limit, int offset, int maxTotal = int.MaxValue)
    {
        using var connection = Open();
        using var tx = BeginRead(connection);
        if (Locate(connection, tx, datasetId, range) is not { } location) return null;
        var total = location.End - location.Start;
        var take = total > maxTotal ? 0 : Math.Max(0, Math.Min(limit, total - offset));
        var (window, _) = ReadRows(connection, tx, location.Dataset, 0, location.Start + offset, take, total);
        tx.Commit();
        return window;
    }

    /// <summary>
    /// A dataset's visible version and where <paramref name="range"/> lies in it, in one statement (one round
    /// trip, one snapshot); null for an unknown dataset. Serving reads a window in two steps — this, then
    /// <see cref="ReadLocated"/> on a cache miss — so the version that keys the cache is the one whose rows are read.
    /// </summary>
    public DatasetLocation? Locate(string datasetId, DepthRange range)
    {
        using var connection = Open();
        return Locate(connection, null, datasetId, range);
    }

    /// <summary>
    /// Rows of a located window, from the version it was located in; null when that version has been replaced
    /// and purged meanwhile (the caller locates again). A version's rows never change, they only disappear once it
    /// is retired and purged, which shows as rows missing — so a server needs no snapshot here.
    /// </summary>
    public FrameWindow? ReadLocated(DatasetLocation location, int limit, int offset)
    {
        var total = location.End - location.Start;
        var take = Math.Max(0, Math.Min(limit, total - offset));
        using var connection = Open();
        using var tx = BeginVersionRead(connection);
        var (window, read) = ReadRows(connection, tx, location.Dataset, 0, location.Start + offset, take, total);
        tx?.Commit();
        return read == take ? window : null;
    }

    /// <summary>
    /// The window for a picture <paramref name="height"/> rows tall, from the coarsest overview level that still
    /// has at least that many rows in the window (level 0 when none has), so a zoomed-out picture reads about
    /// as many rows as it shows. When the chosen level's window exceeds <paramref name="maxRows"/>, no rows are
    /// read (the caller refuses). Null for an unknown dataset.
    /// </summary>
    public (FrameWindow Window, int Level, int BaseRows)? ReadForHeight(string datasetId, DepthRange range, int height, int maxRows)
    {
        using var connection = Open();
        using var tx = BeginRead(connection);
        if (Locate(connection, tx, datasetId, range) is not { } located) return null;
        var dataset = located.Dataset;
        var (level, start, end) = (0, located.Start, located.End);
        for (var candidate = LevelCount(connection, tx, dataset.Version) - 1; candidate > 0; candidate--)
        {
            var (s, e) = Locate(connection, tx, dataset.Version, candidate, range);
            if (e - s < height) continue;
            (level, start, end) = (candidate, s, e);
            break;
        }
        var total = end - start;
        var (window, _) = ReadRows(connection, tx, dataset, level, start, total > maxRows ? 0 : total, total);
        tx.Commit();
        return (window, level, located.End - located.Start);
    }

    /// <summary>Rows of one level of a known version within <paramref name="range"/> (up to <paramref name="maxRows"/>;
    /// none when more match), e.g. the context around a window already read; fewer than located when the version was
    /// purged meanwhile.</summary>
    public FrameWindow ReadLevel(DatasetInfo version, int level, DepthRange range, int maxRows)
    {
        using var connection = Open();
        using var tx = BeginVersionRead(connection);
        var (start, end) = Locate(connection, tx, version.Version, level, range);
        var (window, _) = ReadRows(connection, tx, version, level, start, end - start > maxRows ? 0 : end - start, end - start);
        tx?.Commit();
        return window;
    }

    /// <summary>
    /// A window of any size as consecutive pages (one chunk each), all from one snapshot (one read transaction
    /// held until disposed), so a version published meanwhile never mixes in; null for an unknown dataset.
    /// Memory stays at one chunk whatever the window.
    /// </summary>
    public FrameStream? StreamFrames(string datasetId, DepthRange range)
    {
        var connection = Open();
        try
        {
            var tx = BeginRead(connection);
            if (Locate(connection, tx, datasetId, range) is not { } location)
            {
                connection.Dispose();
                return null;
            }
            return new FrameStream(this, connection, tx, location.Dataset, location.Start, location.End);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The row count of each level of a dataset's visible version, finest (the rows as ingested) first;
    /// empty for an unknown dataset.</summary>
    public IReadOnlyList<int> LevelRows(string datasetId)
    {
        using var connection = Open();
        using var command = connection.Command(
            "SELECT l.row_count FROM levels l JOIN datasets d ON d.version = l.version WHERE d.id = @id AND l.level >= 0 ORDER BY l.level").With("@id", datasetId);
        using var reader = command.ExecuteReader();
        var rows = new List<int>();
        while (reader.Read()) rows.Add(reader.GetInt32(0));
        return rows;
    }

    private static int LevelCount(DbConnection connection, DbTransaction tx, long version)
    {
        using var command = connection.Command("SELECT count(*) FROM levels WHERE version = @v AND level >= 0", tx).With("@v", version);
        return Convert.ToInt32(command.ExecuteScalar());
    }

    /// <summary>Rows <c>[Start, End)</c> of a level whose depths lie in the range, in one round trip: the level's
    /// row count and the chunk holding each bound (index seeks), then a binary search in each chunk's depths,
    /// whatever the dataset's size.</summary>
    internal static (int Start, int End) Locate(DbConnection connection, DbTransaction? tx, long version, int level, DepthRange range)
    {
        using var command = connection.Command($"SELECT {LocateColumns} FROM (SELECT @v AS version) AS d", tx).With("@v", version).With("@l", level);
        using var reader = WithBounds(command, range).ExecuteReader();
        reader.Read();
        return ReadLocation(reader, 0, range);
    }

    /// <summary>The visible version of a dataset and its level-0 rows in the range, in one statement; null when
    /// there is no such dataset.</summary>
    private DatasetLocation? Locate(DbConnection connection, DbTransaction? tx, string id, DepthRange range, int level = 0)
    {
        using var command = connection.Command($"SELECT {DatasetColumns}, {LocateColumns} FROM datasets AS d WHERE d.id = @id", tx).With("@id", id).With("@l", level);
        using var reader = WithBounds(command, range).ExecuteReader();
        if (!reader.Read()) return null;
        var (start, end) = ReadLocation(reader, DatasetColumnCount, range);
        return new DatasetLocation(ReadDataset(reader), start, end);
    }

    /// <summary>For the version <c>d.version</c> and level <c>@l</c>: the level's row count, the first row and
    /// depths of the chunk holding each bound (<c>@min</c>, <c>@max</c>) — scalar subqueries, each an index seek,
    /// which both engines run in the statement's one snapshot.</summary>
    private const string LocateColumns = """
        (SELECT row_count FROM levels WHERE version = d.version AND level = @l),
        (SELECT first_row FROM chunks WHERE version = d.version AND level = @l AND depth_max >= @min ORDER BY depth_max LIMIT 1),
        (SELECT depths FROM chunks WHERE version = d.version AND level = @l AND depth_max >= @min ORDER BY depth_max LIMIT 1),
        (SELECT first_row FROM chunks WHERE version = d.version AND level = @l AND depth_max > @max ORDER BY depth_max LIMIT 1),
        (SELECT depths FROM chunks WHERE version = d.version AND level = @l AND depth_max > @max ORDER BY depth_max LIMIT 1)
        """;

    private static DbCommand WithBounds(DbCommand command, DepthRange range)
    {
        command.Add("@min", DbType.Double, range.Min);
        command.Add("@max", DbType.Double, range.Max);
        return command;
    }

    /// <summary>The rows in the range, from the location columns starting at <paramref name="at"/>.</summary>
    private static (int Start, int End) ReadLocation(DbDataReader reader, int at, DepthRange range)
    {
        var levelRows = reader.IsDBNull(at) ? 0 : reader.GetInt32(at);
        var start = range.Min is { } min ? FirstRowAbove(reader, at + 1, min, inclusive: true, levelRows) : 0;
        var end = range.Max is { } max ? FirstRowAbove(reader, at + 3, max, inclusive: false, levelRows) : levelRows;
        return (start, Math.Max(start, end));
    }

    /// <summary>The index of the first row whose depth is ≥ (inclusive) or > the bound, from the chunk in columns
    /// <c>column</c> (first row) and <c>column + 1</c> (depths); the level's row count when no chunk has one.</summary>
    private static int FirstRowAbove(DbDataReader reader, int column, double bound, bool inclusive, int levelRows)
    {
        if (reader.IsDBNull(column)) return levelRows;
        var depths = Chunks.Depths(reader.GetFieldValue<byte[]>(column + 1));
        int lo = 0, hi = depths.Length; // first index in [lo, hi) above the bound
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (inclusive ? depths[mid] >= bound : depths[mid] > bound) hi = mid;
            else lo = mid + 1;
        }
        return reader.GetInt32(column) + lo;
    }

    /// <summary>Rows <c>[from, from + count)</c> of a level as one window, and how many rows were found.</summary>
    private (FrameWindow Window, int Read) ReadRows(DbConnection connection, DbTransaction? tx, DatasetInfo dataset, int level, int from, int count, int total)
    {
        var depths = new double[count];
        var pixels = new byte[count * dataset.Width];
        var read = 0;
        if (count > 0)
            foreach (var page in ReadPages(connection, tx, dataset.Version, level, from, from + count, dataset.Width))
            {
                var at = page.Row - from;
                page.Depths.CopyTo(depths.AsSpan(at));
                page.Pixels.CopyTo(pixels.AsSpan(at * dataset.Width));
                read += page.Depths.Length;
            }
        return (new FrameWindow(dataset, total, depths, pixels, count), read);
    }

    /// <summary>
    /// The 1-D curves of <paramref name="datasetId"/>'s visible version within <paramref name="range"/>, ascending
    /// by depth, in one snapshot; null for an unknown dataset. <paramref name="curvesOf"/> says how many curves a
    /// version has (its metadata lists them); a dataset without curves (CSV) has a window of none. When more than
    /// <paramref name="maxRows"/> rows match, no values are read (the caller refuses).
    /// </summary>
    public CurveWindow? ReadCurves(string datasetId, DepthRange range, int maxRows, Func<DatasetInfo, int> curvesOf)
    {
        using var connection = Open();
        using var tx = BeginRead(connection);
        if (Locate(connection, tx, datasetId, range, Chunks.CurveLevel) is not { } location) return null;
        var (total, curves) = (location.End - location.Start, curvesOf(location.Dataset));
        var take = total > maxRows || curves == 0 ? 0 : total;
        var (depths, values) = (new double[take], new double[take * curves]);
        if (take > 0)
            foreach (var page in ReadPages(connection, tx, location.Dataset.Version, Chunks.CurveLevel, location.Start, location.End, curves * sizeof(double)))
            {
                var at = page.Row - location.Start;
                page.Depths.CopyTo(depths.AsSpan(at));
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(page.Pixels).CopyTo(values.AsSpan(at * curves));
            }
        tx.Commit();
        return new CurveWindow(location.Dataset, total, curves, depths, values);
    }

    /// <summary>The depth of one level-0 row of a version (its chunk's depths only).</summary>
    internal double DepthOfRow(DbConnection connection, DbTransaction tx, long version, int row)
    {
        var first = FirstChunkRow(row);
        using var command = connection.Command("SELECT depths FROM chunks WHERE version = @v AND level = 0 AND first_row = @first", tx)
            .With("@v", version).With("@first", first);
        var depths = command.ExecuteScalar() as byte[] ?? throw new InvalidOperationException($"version {version} has no chunk at row {first}");
        return Chunks.Depths(depths)[row - first];
    }

    /// <summary>The chunk bounds a read of rows <c>[from, to)</c> starts from: chunks start at multiples of <see cref="Chunks.Rows"/>.</summary>
    internal static int FirstChunkRow(int from) => from / Chunks.Rows * Chunks.Rows;

    /// <summary>Deletes a dataset (one short transaction: it is gone for readers at once), then purges its
    /// frames; false when there was none.</summary>
    public bool DeleteDataset(string id)
    {
        using (var connection = Open(forWriting: true))
        using (var tx = BeginWrite(connection))
        {
            LockDataset(connection, tx, id);
            var dataset = FindDataset(connection, tx, id);
            if (dataset is null) return false;
            using (var command = connection.Command("DELETE FROM datasets WHERE id = @id", tx).With("@id", id)) command.ExecuteNonQuery();
            using (var picks = connection.Command("DELETE FROM picks WHERE dataset_id = @id", tx).With("@id", id)) picks.ExecuteNonQuery();
            Retire(connection, tx, dataset.Version);
            NotifyChanged(connection, tx, id);
            tx.Commit();
        }
        OnDatasetChanged(id);
        PurgeRetired();
        return true;
    }

    // ---- retired versions -----------------------------------------------------------------------------

    /// <summary>Chunks (or staged rows) purged per transaction: quick, so no other writer waits long for the lock.</summary>
    private const int PurgeChunk = 64;

    /// <summary>Queues a version that no reader can reach any more for <see cref="PurgeRetired"/>.</summary>
    internal static void Retire(DbConnection connection, DbTransaction tx, long version)
    {
        using var command = connection.Command("INSERT INTO retired_versions (version) VALUES (@v) ON CONFLICT DO NOTHING", tx).With("@v", version);
        command.ExecuteNonQuery();
    }

    /// <summary>Deletes the rows of retired versions in short transactions. Safe to run from several
    /// processes at once, and to interrupt: what is left stays queued for the next run.</summary>
    public void PurgeRetired()
    {
        using var connection = Open(forWriting: true);
        using var next = connection.Command("SELECT version FROM retired_versions LIMIT 1");
        while (next.ExecuteScalar() is long version)
        {
            using var chunks = connection.Command(
                    "DELETE FROM chunks WHERE version = @v AND first_row IN (SELECT first_row FROM chunks WHERE version = @v LIMIT @n)")
                .With("@v", version).With("@n", PurgeChunk);
            while (chunks.ExecuteNonQuery() > 0) { }
            using var staged = connection.Command(
                    "DELETE FROM staging WHERE version = @v AND depth IN (SELECT depth FROM staging WHERE version = @v LIMIT @n)")
                .With("@v", version).With("@n", PurgeChunk * Chunks.Rows / 4);
            while (staged.ExecuteNonQuery() > 0) { }
            using var done = connection.Command("DELETE FROM levels WHERE version = @v", null).With("@v", version);
            done.ExecuteNonQuery();
            using var dequeue = connection.Command("DELETE FROM retired_versions WHERE version = @v").With("@v", version);
            dequeue.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Ends every ingest whose writer stopped renewing its heartbeat more than <paramref name="olderThan"/> ago
    /// (its process was killed, or lost): logged as failed, its rows purged. Returns how many were ended. Run
    /// at start-up and by each reconcile sweep; a writer declared abandoned fails its next batch. One UPDATE
    /// decides, so a writer renewing its heartbeat at that moment is either ended or not, never half.
    /// </summary>
    public int RemoveAbandonedIngests(TimeSpan olderThan)
    {
        var ended = new List<long>();
        using (var connection = Open(forWriting: true))
        using (var tx = BeginWrite(connection))
        {
            var now = DateTimeOffset.UtcNow;
            using (var fail = connection.Command("""
                UPDATE ingestion_log SET status = 'failed', finished_at = @now, heartbeat_at = NULL,
                    error = 'abandoned: the ingest stopped without finishing (its process ended or lost the database)'
                WHERE status = 'running' AND heartbeat_at < @cutoff
                RETURNING id
                """, tx))
            {
                WithTime(WithTime(fail, "@cutoff", now - olderThan), "@now", now);
                using var reader = fail.ExecuteReader();
                while (reader.Read()) ended.Add(reader.GetInt64(0));
            }
            foreach (var version in ended) Retire(connection, tx, version);
            tx.Commit();
        }
        PurgeRetired();
        return ended.Count;
    }

    /// <summary>Opens a connection and runs a trivial read: the health check's definition of "database ok".</summary>
    public int CountDatasets()
    {
        using var connection = Open();
        using var command = connection.Command("SELECT count(*) FROM datasets");
        return Convert.ToInt32(command.ExecuteScalar());
    }

    private DatasetInfo ReadDataset(DbDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3), r.GetString(4), r.GetInt32(5), r.GetInt32(6),
        r.GetString(7), r.GetInt32(8), r.GetInt32(9), r.GetDouble(10), r.GetDouble(11), ReadTime(r, 12), r.NullableString(13));

    private IngestAttempt ReadAttempt(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.NullableInt64(3), r.NullableString(4), ReadTime(r, 5),
        r.IsDBNull(6) ? null : ReadTime(r, 6), r.NullableInt32(7), r.NullableInt32(8), r.GetString(9), r.NullableString(10));
}

/// <summary>Where a depth range lies in one version of a dataset: rows <c>[Start, End)</c> of its level 0.</summary>
public sealed record DatasetLocation(DatasetInfo Dataset, int Start, int End);

/// <summary>Consecutive rows of one level read from one chunk: the first is row <see cref="Row"/> of its level.</summary>
internal readonly record struct FramePage(int Row, double[] Depths, byte[] Pixels);
