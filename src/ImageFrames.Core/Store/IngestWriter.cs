using ImageFrames.Parse;
using System.Data;
using System.Data.Common;

namespace ImageFrames.Store;

/// <summary>What the parser learned about a whole file, needed to publish it as a dataset version.</summary>
public sealed record DatasetContent(
    string SourceName, long SourceBytes, string Sha256, int SourceWidth, int Width, string Resampler,
    int RowCount, int SkippedRows, double DepthMin, double DepthMax, string? Metadata = null);

/// <summary>What <see cref="IngestWriter.Publish"/> did.</summary>
public enum PublishOutcome { Published, Unchanged, SourceConflict }

/// <summary>How an ingest that published nothing ended, for its log entry.</summary>
public sealed record IngestEnd(IngestStatus Status, long SourceBytes, string? Sha256, int? Rows, int? Skipped, string? Error, DateTimeOffset FinishedAt);

/// <summary>
/// One ingest's version. Its log entry is committed first (status <c>running</c>); each batch is then its
/// own short write transaction into that version, which no reader sees because no dataset points at it.
/// Rows sorted by depth (the common case) go straight into chunks and overview levels (<see cref="LevelBuilder"/>);
/// at the first row out of order, everything so far moves to the staging table, which sorts the rest, and
/// is chunked in short transactions before publishing. Duplicate depths are rejected naming both lines.
/// <see cref="Publish"/> moves the dataset's pointer in one short transaction, so readers see wholly the
/// old or wholly the new version. The write lock is therefore never held while the input is being read:
/// a slow client or a slow blob delays only its own ingest. Chunks are written when their batch commits, in one
/// go (a binary COPY on PostgreSQL). Every batch also renews the entry's heartbeat
/// and fails if the entry is no longer running (declared abandoned by <see cref="FrameStore.RemoveAbandonedIngests"/>),
/// so a writer that was given up on can never publish a half-removed version.
/// </summary>
public sealed class IngestWriter : IDisposable
{
    private readonly FrameStore _store;
    private readonly DbConnection _connection;
    private readonly DbCommand _stage, _heartbeat;
    private readonly DbParameter _stageDepth, _stageLine, _stagePixels, _now;
    private readonly string _datasetId;
    private readonly int _width;
    private readonly List<Chunk> _chunks = [];
    private DbTransaction? _tx;
    private LevelBuilder _levels;
    private bool _staging, _ended;
    private double _lastDepth;
    private int _lastLine;

    public long Version { get; }

    internal IngestWriter(FrameStore store, DbConnection connection, string datasetId, string source, DateTimeOffset startedAt, int width)
    {
        _store = store;
        _connection = connection;
        _datasetId = datasetId;
        _width = width;
        using (var tx = store.BeginWrite(connection))
        using (var log = connection.Command("""
            INSERT INTO ingestion_log (dataset_id, source, started_at, heartbeat_at, status) VALUES (@dataset, @source, @started, @now, 'running')
            RETURNING id
            """, tx).With("@dataset", datasetId).With("@source", source))
        {
            store.WithTime(store.WithTime(log, "@started", startedAt), "@now", DateTimeOffset.UtcNow);
            Version = Convert.ToInt64(log.ExecuteScalar());
            tx.Commit();
        }
        _levels = NewLevels();
        _stage = connection.Command("INSERT INTO staging (version, depth, line, pixels) VALUES (@version, @depth, @line, @pixels) ON CONFLICT DO NOTHING")
            .With("@version", Version);
        _stageDepth = _stage.Add("@depth", DbType.Double);
        _stageLine = _stage.Add("@line", DbType.Int32);
        _stagePixels = _stage.Add("@pixels", DbType.Binary);
        _heartbeat = connection.Command("UPDATE ingestion_log SET heartbeat_at = @now WHERE id = @version AND status = 'running'").With("@version", Version);
        _now = _heartbeat.Add("@now", store.TimeType);
    }

    private LevelBuilder NewLevels() => new(_width, _chunks.Add);

    /// <summary>Appends a batch in one short transaction.</summary>
    public void Write(FrameBatch batch)
    {
        using var tx = Begin();
        for (var i = 0; i < batch.Count; i++)
        {
            var (depth, line) = (batch.Depths[i], batch.Lines[i]);
            var sorted = !_staging && (_levels.BaseRows == 0 || depth > _lastDepth);
            if (sorted) _levels.Add(depth, line, batch.Row(i));
            else if (!_staging && depth == _lastDepth) throw Duplicate(depth, line, _lastLine);
            else
            {
                if (!_staging) MoveToStaging();
                Stage(depth, line, batch.Row(i));
            }
            (_lastDepth, _lastLine) = (depth, line);
        }
        Commit(tx);
    }

    /// <summary>Opens a batch's write transaction (or, <paramref name="publishing"/>, the publish's durable one),
    /// renewing the heartbeat; fails if the ingest was given up on.</summary>
    private DbTransaction Begin(bool publishing = false)
    {
        _tx = publishing ? _store.BeginWrite(_connection) : _store.BeginBatch(_connection);
        _heartbeat.Transaction = _tx;
        _now.Value = _store.TimeValue(DateTimeOffset.UtcNow);
        if (_heartbeat.ExecuteNonQuery() > 0) return _tx;
        _tx.Dispose();
        throw new InvalidOperationException($"ingest {Version} was declared abandoned and its rows removed; it must start again");
    }

    /// <summary>Writes the chunks the transaction's rows completed, then commits.</summary>
    private void Commit(DbTransaction tx)
    {
        var bytes = FlushChunks();
        tx.Commit();
        _store.OnBatchCommitted(_connection, bytes);
    }

    /// <summary>Writes the pending chunks; returns their pixel bytes.</summary>
    private long FlushChunks()
    {
        long bytes = 0;
        if (_chunks.Count == 0) return bytes;
        _store.WriteChunks(_connection, _tx!, Version, _chunks);
        foreach (var chunk in _chunks)
        {
            bytes += chunk.Pixels.Length;
            if (chunk.Level != Chunks.CurveLevel) _levels.Recycle(chunk); // curve chunks are not the builder's to reuse
        }
        _chunks.Clear();
        return bytes;
    }

    private void Stage(double depth, int line, ReadOnlySpan<byte> pixels)
    {
        _stage.Transaction = _tx;
        (_stageDepth.Value, _stageLine.Value, _stagePixels.Value) = (depth, line, pixels.ToArray());
        if (_stage.ExecuteNonQuery() > 0) return;
        using var first = _connection.Command("SELECT line FROM staging WHERE version = @version AND depth = @depth", _tx)
            .With("@version", Version).With("@depth", depth);
        throw Duplicate(depth, line, Convert.ToInt32(first.ExecuteScalar()));
    }

    private static CsvRejectedException Duplicate(double depth, int line, int firstLine) =>
        new($"duplicate depth {depth.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}: already on line {firstLine}", line, 1, "depth");

    /// <summary>The first row out of depth order: the sorted rows so far (chunked or pending) go to staging.</summary>
    private void MoveToStaging()
    {
        FlushChunks();
        var written = new List<(byte[] Depths, byte[] Lines, byte[] Pixels)>();
        using (var chunks = _connection.Command("SELECT depths, lines, pixels FROM chunks WHERE version = @version AND level = 0 ORDER BY first_row", _tx)
                   .With("@version", Version))
        using (var reader = chunks.ExecuteReader())
            while (reader.Read()) written.Add((reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
        foreach (var (depths, lines, pixels) in written)
            for (var i = 0; i < Chunks.Depths(depths).Length; i++) Stage(Chunks.Depths(depths)[i], Chunks.Lines(lines)[i], pixels.AsSpan(i * _width, _width));
        foreach (var (depth, line, pixels) in _levels.PendingBaseRows()) Stage(depth, line, pixels);
        using (var drop = _connection.Command("DELETE FROM chunks WHERE version = @version", _tx).With("@version", Version)) drop.ExecuteNonQuery();
        _levels = NewLevels();
        _staging = true;
    }

    /// <summary>Staged rows, in depth order, into chunks (and out of staging): a few thousand rows per short transaction.</summary>
    private void ChunkStagedRows()
    {
        var after = double.NegativeInfinity;
        while (true)
        {
            using var tx = Begin();
            var read = 0;
            using (var rows = _connection.Command("SELECT depth, line, pixels FROM staging WHERE version = @version AND depth > @after ORDER BY depth LIMIT @n", tx)
                       .With("@version", Version).With("@after", after).With("@n", 4 * Chunks.Rows))
            using (var reader = rows.ExecuteReader())
                for (; reader.Read(); read++)
                {
                    after = reader.GetDouble(0);
                    _levels.Add(after, reader.GetInt32(1), reader.GetFieldValue<byte[]>(2));
                }
            using (var chunked = _connection.Command("DELETE FROM staging WHERE version = @version AND depth <= @after", tx)
                       .With("@version", Version).With("@after", after))
                chunked.ExecuteNonQuery();
            Commit(tx);
            if (read == 0) return;
        }
    }

    /// <summary>
    /// Stores the version's 1-D curves (<see cref="Chunks.CurveLevel"/>) as <paramref name="produce"/> hands them
    /// over, ascending by depth, <paramref name="curveCount"/> values a row; a few chunks per short transaction.
    /// </summary>
    public void WriteCurves(int curveCount, Action<CurveRowAction> produce)
    {
        const int ChunksPerCommit = 16;
        var rowBytes = curveCount * sizeof(double);
        var (depths, values, count, rows) = (new double[Chunks.Rows], new byte[Chunks.Rows * rowBytes], 0, 0);
        var tx = Begin();
        try
        {
            produce((depth, curves) =>
            {
                depths[count] = depth;
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(curves[..curveCount]).CopyTo(values.AsSpan(count * rowBytes));
                if (++count < Chunks.Rows) return;
                Emit();
                if (_chunks.Count < ChunksPerCommit) return;
                Commit(tx);
                tx.Dispose();
                tx = Begin();
            });
            Emit();
            InsertLevels(_connection, tx, Version, [rows], Chunks.CurveLevel);
            Commit(tx);
        }
        finally
        {
            tx.Dispose();
        }

        void Emit()
        {
            if (count == 0) return;
            _chunks.Add(new Chunk(Chunks.CurveLevel, rows, depths[..count], null, values[..(count * rowBytes)]));
            (rows, count) = (rows + count, 0);
        }
    }

    /// <summary>
    /// Makes the written version the dataset's visible one. Logs the attempt as unchanged and retires its rows
    /// when the dataset already holds the same content stored the same way. With
    /// <paramref name="sameSourceOnly"/> (blob ingests), a dataset that came from another source is never
    /// replaced: the caller rejects the attempt (<see cref="PublishOutcome.SourceConflict"/>, nothing written).
    /// Publishes of one dataset are serialised, so of two concurrent ingests of the same content exactly one
    /// publishes and the other finds it unchanged, on either store.
    /// </summary>
    public PublishOutcome Publish(DatasetContent content, DateTimeOffset finishedAt, bool sameSourceOnly = false)
    {
        if (_staging) ChunkStagedRows();
        bool published;
        using (var tx = Begin(publishing: true))
        {
            var levels = _levels.Finish();
            FlushChunks();
            InsertLevels(_connection, tx, Version, levels);
            _store.LockDataset(_connection, tx, _datasetId);
            var current = _store.FindDataset(_connection, tx, _datasetId);
            if (sameSourceOnly && current is not null && current.SourceName != content.SourceName) return PublishOutcome.SourceConflict;
            published = current is null || current.Sha256 != content.Sha256 || current.Width != content.Width || current.Resampler != content.Resampler
                || current.Metadata != content.Metadata;
            if (published)
            {
                using var publish = _connection.Command("""
                    INSERT INTO datasets (id, version, source_name, source_bytes, sha256, source_width, width, resampler, row_count, skipped_rows, depth_min, depth_max, ingested_at, metadata)
                    VALUES (@id, @version, @source, @bytes, @sha, @sourceWidth, @width, @resampler, @rows, @skipped, @min, @max, @at, @metadata)
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version, source_name = excluded.source_name, source_bytes = excluded.source_bytes,
                        sha256 = excluded.sha256, source_width = excluded.source_width, width = excluded.width, resampler = excluded.resampler,
                        row_count = excluded.row_count, skipped_rows = excluded.skipped_rows, depth_min = excluded.depth_min,
                        depth_max = excluded.depth_max, ingested_at = excluded.ingested_at, metadata = excluded.metadata
                    """, tx)
                    .With("@id", _datasetId).With("@version", Version).With("@source", content.SourceName).With("@bytes", content.SourceBytes)
                    .With("@sha", content.Sha256).With("@sourceWidth", content.SourceWidth).With("@width", content.Width)
                    .With("@resampler", content.Resampler).With("@rows", content.RowCount).With("@skipped", content.SkippedRows)
                    .With("@min", content.DepthMin).With("@max", content.DepthMax).With("@metadata", content.Metadata);
                _store.WithTime(publish, "@at", finishedAt).ExecuteNonQuery();
                if (current is not null) FrameStore.Retire(_connection, tx, current.Version);
                _store.NotifyChanged(_connection, tx, _datasetId);
            }
            else FrameStore.Retire(_connection, tx, Version);
            Log(tx, new IngestEnd(published ? IngestStatus.Succeeded : IngestStatus.Unchanged, content.SourceBytes, content.Sha256,
                content.RowCount, content.SkippedRows, null, finishedAt));
            tx.Commit();
        }
        _ended = true;
        _store.OnIngestEnded();
        if (published) _store.OnDatasetChanged(_datasetId);
        _store.PurgeRetired();
        return published ? PublishOutcome.Published : PublishOutcome.Unchanged;
    }

    internal static void InsertLevels(DbConnection connection, DbTransaction tx, long version, IReadOnlyList<int> rowCounts, int firstLevel = 0)
    {
        using var command = connection.Command("INSERT INTO levels (version, level, row_count) VALUES (@v, @level, @rows)", tx).With("@v", version);
        var level = command.Add("@level", DbType.Int32);
        var rows = command.Add("@rows", DbType.Int32);
        for (var i = 0; i < rowCounts.Count; i++)
        {
            (level.Value, rows.Value) = (firstLevel + i, rowCounts[i]);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Ends an ingest that publishes nothing (rejected, failed): logs how, and removes its rows.</summary>
    public void End(IngestEnd end)
    {
        using (var tx = _store.BeginWrite(_connection))
        {
            Log(tx, end);
            FrameStore.Retire(_connection, tx, Version);
            tx.Commit();
        }
        _ended = true;
        _store.OnIngestEnded();
        _store.PurgeRetired();
    }

    private void Log(DbTransaction tx, IngestEnd end)
    {
        using var log = _connection.Command("""
            UPDATE ingestion_log SET source_bytes = @bytes, sha256 = @sha, finished_at = @at, rows = @rows, skipped = @skipped,
                status = @status, error = @error, heartbeat_at = NULL
            WHERE id = @version
            """, tx)
            .With("@version", Version).With("@bytes", end.SourceBytes).With("@sha", end.Sha256).With("@rows", end.Rows).With("@skipped", end.Skipped)
            .With("@status", end.Status.ToString().ToLowerInvariant()).With("@error", end.Error);
        _store.WithTime(log, "@at", end.FinishedAt).ExecuteNonQuery();
    }

    /// <summary>An ingest that neither published nor ended (an exception between the two) is ended as failed,
    /// best effort: if even that fails, the abandoned-ingest cleanup removes it once its heartbeat is old.</summary>
    public void Dispose()
    {
        try
        {
            if (!_ended) End(new IngestEnd(IngestStatus.Failed, 0, null, null, null, "ended without publishing", DateTimeOffset.UtcNow));
        }
        catch (DbException) { }
        _stage.Dispose();
        _heartbeat.Dispose();
        _connection.Dispose();
    }
}
