using ImageFrames.Parse;
using Microsoft.Data.Sqlite;

namespace ImageFrames.Store;

/// <summary>What the parser learned about a whole file, needed to publish it as a dataset version.</summary>
public sealed record DatasetContent(
    string SourceName, long SourceBytes, string Sha256, int SourceWidth, int Width, string Resampler,
    int RowCount, int SkippedRows, double DepthMin, double DepthMax);

/// <summary>
/// One ingest's write transaction. Frames go into a fresh version (this attempt's ingestion-log id) that no
/// reader can see; <see cref="Publish"/> swaps the dataset's pointer and drops the old version in the same
/// commit. Disposing without publishing rolls everything back, and a killed process does the same, so the
/// previous version is never touched by a failed ingest.
/// </summary>
public sealed class IngestWriter : IDisposable
{
    private readonly FrameStore _store;
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _tx;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _depth, _line, _pixels;
    private readonly string _datasetId;
    private byte[] _rowBuffer = [];

    public long Version { get; }

    internal IngestWriter(FrameStore store, SqliteConnection connection, string datasetId, string source, DateTimeOffset startedAt)
    {
        _store = store;
        _connection = connection;
        _datasetId = datasetId;
        _tx = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: one writer at a time, waits for the lock
        using (var log = Command("""
            INSERT INTO ingestion_log (dataset_id, source, started_at, status) VALUES ($dataset, $source, $started, 'running')
            RETURNING id
            """))
        {
            log.Parameters.AddWithValue("$dataset", datasetId);
            log.Parameters.AddWithValue("$source", source);
            log.Parameters.AddWithValue("$started", FrameStore.Timestamp(startedAt));
            Version = (long)log.ExecuteScalar()!;
        }
        _insert = Command("INSERT INTO frames (version, depth, line, pixels) VALUES ($version, $depth, $line, $pixels)");
        _insert.Parameters.AddWithValue("$version", Version);
        _depth = _insert.Parameters.Add("$depth", SqliteType.Real);
        _line = _insert.Parameters.Add("$line", SqliteType.Integer);
        _pixels = _insert.Parameters.Add("$pixels", SqliteType.Blob);
        _insert.Prepare();
    }

    /// <summary>Appends a batch; a depth already written in this version is a rejection naming both lines.</summary>
    public void Write(FrameBatch batch)
    {
        if (_rowBuffer.Length != batch.Width) _rowBuffer = new byte[batch.Width];
        _pixels.Value = _rowBuffer; // SQLite copies bound blobs, so one buffer serves every row
        for (var i = 0; i < batch.Count; i++)
        {
            _depth.Value = batch.Depths[i];
            _line.Value = batch.Lines[i];
            batch.Row(i).CopyTo(_rowBuffer);
            try
            {
                _insert.ExecuteNonQuery();
            }
            catch (SqliteException e) when (e.SqliteExtendedErrorCode == 1555) // SQLITE_CONSTRAINT_PRIMARYKEY
            {
                throw new CsvRejectedException(
                    $"duplicate depth {batch.Depths[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}: already on line {FirstLineOf(batch.Depths[i])}",
                    batch.Lines[i], 1, "depth");
            }
        }
    }

    private long FirstLineOf(double depth)
    {
        using var query = Command("SELECT line FROM frames WHERE version = $version AND depth = $depth");
        query.Parameters.AddWithValue("$version", Version);
        query.Parameters.AddWithValue("$depth", depth);
        return (long)query.ExecuteScalar()!;
    }

    /// <summary>
    /// Makes the written version the dataset's visible one and commits. Returns false, and commits nothing but
    /// the log entry's absence, when the dataset already holds the same content stored the same way.
    /// </summary>
    public bool Publish(DatasetContent content, DateTimeOffset finishedAt)
    {
        var current = FrameStore.FindDataset(_connection, _tx, _datasetId);
        if (current is not null && current.Sha256 == content.Sha256 && current.Width == content.Width && current.Resampler == content.Resampler)
            return false;

        using (var publish = Command("""
            INSERT INTO datasets (id, version, source_name, source_bytes, sha256, source_width, width, resampler, row_count, skipped_rows, depth_min, depth_max, ingested_at)
            VALUES ($id, $version, $source, $bytes, $sha, $sourceWidth, $width, $resampler, $rows, $skipped, $min, $max, $at)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, source_name = excluded.source_name, source_bytes = excluded.source_bytes,
                sha256 = excluded.sha256, source_width = excluded.source_width, width = excluded.width, resampler = excluded.resampler,
                row_count = excluded.row_count, skipped_rows = excluded.skipped_rows, depth_min = excluded.depth_min,
                depth_max = excluded.depth_max, ingested_at = excluded.ingested_at;
            UPDATE ingestion_log SET source_bytes = $bytes, sha256 = $sha, finished_at = $at, rows = $rows, skipped = $skipped, status = 'succeeded'
            WHERE id = $version;
            DELETE FROM frames WHERE version = $previous;
            """))
        {
            var p = publish.Parameters;
            p.AddWithValue("$id", _datasetId);
            p.AddWithValue("$version", Version);
            p.AddWithValue("$source", content.SourceName);
            p.AddWithValue("$bytes", content.SourceBytes);
            p.AddWithValue("$sha", content.Sha256);
            p.AddWithValue("$sourceWidth", content.SourceWidth);
            p.AddWithValue("$width", content.Width);
            p.AddWithValue("$resampler", content.Resampler);
            p.AddWithValue("$rows", content.RowCount);
            p.AddWithValue("$skipped", content.SkippedRows);
            p.AddWithValue("$min", content.DepthMin);
            p.AddWithValue("$max", content.DepthMax);
            p.AddWithValue("$at", FrameStore.Timestamp(finishedAt));
            p.AddWithValue("$previous", current?.Version ?? -1);
            publish.ExecuteNonQuery();
        }
        _tx.Commit();
        _store.OnDatasetChanged(_datasetId);
        return true;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _tx;
        command.CommandText = sql;
        return command;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _tx.Dispose(); // rolls back unless published
        _connection.Dispose();
    }
}
