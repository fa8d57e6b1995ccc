using System.Data;
using System.Data.Common;
using System.Globalization;
using ImageFrames.Configuration;
using Microsoft.Data.Sqlite;

namespace ImageFrames.Store;

/// <summary>
/// The store in one SQLite file (<c>FRAMES_DB_PATH</c>): right for one machine. Writers hold SQLite's one write
/// lock only for short transactions, so several ingests interleave; readers never block thanks to WAL.
/// </summary>
public sealed class SqliteFrameStore : FrameStore
{
    private readonly string _connectionString;

    public string DatabasePath { get; }
    public override string Kind => "sqlite";
    public override string Location => DatabasePath;

    /// <summary>The file and its WAL: until a checkpoint, new versions live in the WAL.</summary>
    public override long SizeBytes() =>
        new[] { DatabasePath, DatabasePath + "-wal" }.Select(path => new FileInfo(path)).Sum(file => file.Exists ? file.Length : 0);

    public SqliteFrameStore(FramesOptions options) : base(options.TargetWidth)
    {
        DatabasePath = Path.GetFullPath(options.DatabasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = options.BusyTimeoutSeconds,
        }.ToString();
    }

    /// <summary>Creates the file's folder and the file, or brings an older file's layout forward.</summary>
    private void Migrate()
    {
        var directory = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        SqliteSchema.Migrate(connection);
    }

    /// <summary>A pooled connection. Writers also get their commit settings; readers (every request) skip
    /// that round trip, since the settings only affect commits and checkpoints.</summary>
    internal override DbConnection Open(bool forWriting = false)
    {
        EnsureSchema(Migrate);
        CountOpen();
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit,
        // never corrupt the file); the size limit stops one huge ingest leaving a huge -wal file behind.
        // Checkpointing every 64 MB instead of every 4 MB means a sixteenth of the fsyncs while ingesting
        // (1M rows: 3.2–3.6 s → 3.1 s end to end, measured).
        if (forWriting) connection.Execute("PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864; PRAGMA wal_autocheckpoint = 16384");
        return connection;
    }

    // ---- change watch -------------------------------------------------------------------------------------

    private readonly Lock _watchGate = new();
    private SqliteConnection? _watch;
    private SqliteCommand? _dataVersion;
    private WalIndexHeader? _walIndex;
    private long _watchEpoch;

    /// <summary>
    /// Changes whenever any connection — of this process or another — has committed. Read from the WAL index header
    /// in shared memory (<see cref="WalIndexHeader"/>: a hash of it, a fraction of a microsecond, no lock, no
    /// statement) while a connection of its own keeps that file alive; when the header is being rewritten, or
    /// cannot be mapped, from <c>PRAGMA data_version</c> on that connection (a read transaction's file locks, about
    /// 6 µs, one caller at a time: what every cache hit paid before). The two kinds of stamp never collide (a bit
    /// apart), and each (re)opened watch starts a new epoch, so a stamp never repeats.
    /// </summary>
    public override long ChangeStamp()
    {
        try
        {
            if (Volatile.Read(ref _walIndex) is { } header && header.TryRead(out var hash))
                return (long)(hash >> 2) | HeaderStamp;
        }
        catch (ObjectDisposedException)
        {
            // the watch was closed meanwhile: ask SQLite
        }
        lock (_watchGate)
        {
            try
            {
                if (_watch is null)
                {
                    EnsureSchema(Migrate);
                    _watch = new SqliteConnection(_connectionString);
                    _watch.Open();
                    _dataVersion = _watch.CreateCommand();
                    _dataVersion.CommandText = "PRAGMA data_version";
                    _watchEpoch++;
                }
                var stamp = (_watchEpoch << 40) + (long)_dataVersion!.ExecuteScalar()!;
                _walIndex ??= WalIndexHeader.Open(DatabasePath); // the watch has read the database: its WAL index exists
                return stamp;
            }
            catch (SqliteException)
            {
                CloseWatch();
                return base.ChangeStamp();
            }
        }
    }

    /// <summary>Marks stamps hashed from the WAL index header (data_version stamps stay below it).</summary>
    private const long HeaderStamp = 1L << 62;

    private void CloseWatch()
    {
        var header = _walIndex;
        _walIndex = null;
        header?.Dispose();
        _dataVersion?.Dispose();
        _watch?.Dispose();
        (_dataVersion, _watch) = (null, null);
    }

    // ---- checkpoints: off the ingest writer's thread ------------------------------------------------------

    /// <summary>
    /// A checkpoint copies the WAL into the database file and syncs both. Left to SQLite (autocheckpoint, in
    /// the thread that commits), it stalled an ingest's writer 0.3 s per 64 MB — two fsyncs and the copy — and
    /// the parser behind it. So an ingest's connection never checkpoints: every <see cref="CheckpointEveryBytes"/>
    /// (16 MB: at 64 MB most of an ingest's pages were still to copy and sync when it ended, which the CLI waits
    /// for — interleaved runs, 200 MB DLIS 2.96–3.43 → 2.67–2.99 s, 600k-row CSV 2.77–3.29 → 2.57–2.92 s)
    /// of its batches, a thread of its own copies what is committed while the writer goes on, and once that is
    /// done the writer finishes it between two batches: the frames written meanwhile, and the sync of the
    /// database file, which SQLite only does once every frame is copied — so the WAL starts over and stays near
    /// that size. Both are PASSIVE checkpoints: they copy what no reader still needs and never wait for readers
    /// or writers, so a slow reader (a picture streaming to a slow client) delays no ingest.
    /// </summary>
    internal long CheckpointEveryBytes { get; init; } = 16L << 20;
    private readonly Lock _checkpointGate = new();
    private long _sinceCheckpoint;
    private Task? _copying;

    internal override DbConnection OpenIngest()
    {
        var connection = Open(forWriting: true);
        connection.Execute("PRAGMA wal_autocheckpoint = 0"); // Open(forWriting) restores it when the pool hands the connection out again
        return connection;
    }

    internal override void OnBatchCommitted(DbConnection connection, long bytes)
    {
        lock (_checkpointGate)
        {
            if (_copying is { IsCompleted: true })
            {
                _copying = null;
                try
                {
                    connection.Execute("PRAGMA wal_checkpoint(PASSIVE)");
                }
                catch (SqliteException)
                {
                    // A checkpoint that cannot finish now leaves the frames in the WAL; the next one copies them.
                }
            }
            else if (_copying is null && (_sinceCheckpoint += bytes) >= CheckpointEveryBytes)
            {
                _sinceCheckpoint = 0;
                _copying = CopyAfter(Task.CompletedTask);
            }
        }
    }

    /// <summary>What an ingest leaves in the WAL is copied once it ends: with its writer gone, the copy completes,
    /// syncs the database file and lets the WAL start over, instead of waiting for the next 64 MB of writes.</summary>
    internal override void OnIngestEnded()
    {
        lock (_checkpointGate)
        {
            _sinceCheckpoint = 0;
            _copying = CopyAfter(_copying ?? Task.CompletedTask);
        }
    }

    /// <summary>A copy on a thread of its own (never queued behind a busy pool), after <paramref name="previous"/>.</summary>
    private Task CopyAfter(Task previous) =>
        previous.ContinueWith(_ => CopyCommittedFrames(), CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);

    private void CopyCommittedFrames()
    {
        try
        {
            using var connection = Open();
            connection.Execute("PRAGMA wal_checkpoint(PASSIVE)");
        }
        catch (SqliteException)
        {
            // The frames stay in the WAL, as durable as before; the writer's checkpoint that follows copies them.
        }
    }

    public override void Dispose()
    {
        _copying?.Wait();
        lock (_watchGate) CloseWatch();
        base.Dispose();
    }

    internal override DbTransaction BeginWrite(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

    internal override DbTransaction BeginRead(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: true);

    /// <summary>Timestamps are ISO 8601 text in UTC with seven fractional digits: fixed width, so they compare as text.</summary>
    internal override DbType TimeType => DbType.String;
    internal override object TimeValue(DateTimeOffset value) => Timestamp(value);

    internal override DateTimeOffset ReadTime(DbDataReader reader, int i) =>
        DateTimeOffset.Parse(reader.GetString(i), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    internal static string Timestamp(DateTimeOffset t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    internal override void WriteChunks(DbConnection connection, DbTransaction tx, long version, IReadOnlyList<Chunk> chunks)
    {
        foreach (var chunk in chunks) InsertChunk((SqliteConnection)connection, (SqliteTransaction)tx, version, chunk);
    }

    internal static void InsertChunk(SqliteConnection connection, SqliteTransaction tx, long version, Chunk chunk)
    {
        using var command = connection.Command("""
            INSERT INTO chunks (version, level, first_row, row_count, depth_min, depth_max, depths, lines, pixels)
            VALUES (@v, @level, @first, @count, @min, @max, @depths, @lines, @pixels)
            """, tx)
            .With("@v", version).With("@level", chunk.Level).With("@first", chunk.FirstRow).With("@count", chunk.Depths.Length)
            .With("@min", chunk.Depths[0]).With("@max", chunk.Depths[^1]).With("@depths", Chunks.DepthBytes(chunk.Depths))
            .With("@lines", chunk.Lines is null ? null : Chunks.LineBytes(chunk.Lines)).With("@pixels", chunk.Pixels);
        command.ExecuteNonQuery();
    }

    /// <summary>Each chunk's pixels are read with incremental blob I/O: only the rows wanted, however small the window.</summary>
    internal override IEnumerable<FramePage> ReadPages(DbConnection connection, DbTransaction? tx, long version, int level, int from, int to, int rowBytes)
    {
        var slices = new List<(long RowId, int Row, int Skip, double[] Depths)>();
        using (var command = connection.Command(
                       "SELECT rowid, first_row, depths FROM chunks WHERE version = @v AND level = @l AND first_row >= @from AND first_row < @to ORDER BY first_row", tx)
                   .With("@v", version).With("@l", level).With("@from", FirstChunkRow(from)).With("@to", to))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var firstRow = reader.GetInt32(1);
                var depths = Chunks.Depths(reader.GetFieldValue<byte[]>(2));
                var skip = Math.Max(0, from - firstRow);
                var take = Math.Min(firstRow + depths.Length, to) - firstRow - skip;
                slices.Add((reader.GetInt64(0), firstRow + skip, skip, depths.Slice(skip, take).ToArray()));
            }
        foreach (var (rowId, row, skip, depths) in slices)
        {
            var pixels = new byte[depths.Length * rowBytes];
            using (var blob = new SqliteBlob((SqliteConnection)connection, "chunks", "pixels", rowId, readOnly: true))
            {
                blob.Seek((long)skip * rowBytes, SeekOrigin.Begin);
                blob.ReadExactly(pixels);
            }
            yield return new FramePage(row, depths, pixels);
        }
    }
}
