using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using ImageFrames.Parse;
using ImageFrames.Store;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Ingest;

public sealed record IngestResult(
    string DatasetId, IngestStatus Status, int Rows, int SkippedRows, long Bytes, string? Sha256, string? Error, TimeSpan Elapsed)
{
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? Rows / Elapsed.TotalSeconds : 0;

    /// <summary>The other datasets the same file became (a DLIS file with several image channels), in file order.</summary>
    public IReadOnlyList<IngestResult> Others { get; init; } = [];
}

public readonly record struct IngestProgress(int Rows, long Bytes);

/// <summary>
/// The one ingest path (blob trigger, CLI and admin route all call it): stream → validate and resize
/// (<see cref="CsvFrameReader"/>) → write a new version (<see cref="IngestWriter"/>) → publish atomically.
/// Parsing and writing overlap on two threads, joined by a small ring of recycled batches.
/// </summary>
public sealed class IngestService(FrameStore store, FramesOptions options, FramesMetrics metrics, ILogger<IngestService> logger)
{
    /// <summary>The pixels that may wait between parser and writer: enough to ride out a writer's pause (a
    /// checkpoint's sync, ~0.1 s, is 16 default batches of parsing, 10 MB). Batches are allocated only when the
    /// writer falls behind, so a small file uses one or two; big batches (<c>FRAMES_CHUNK_SIZE</c>) get fewer.</summary>
    private const long BytesInFlight = 16L << 20;

    private static int BatchesInFlight(int rows, int width) => (int)Math.Clamp(BytesInFlight / ((long)rows * width), 2, 16);

    /// <summary>
    /// Ingests <paramref name="csv"/> (a CSV, a DLIS or a LAS file: by its name's extension, or for names without
    /// one of the three by its first bytes) as <paramref name="datasetId"/>, or when that is null as the dataset
    /// named by <paramref name="sourceName"/> without its extension. A file that fails validation returns a
    /// <see cref="IngestStatus.Rejected"/> result (it would fail the same way again); anything else that goes
    /// wrong (storage, database) is logged as failed and rethrown so the caller's retry policy can act.
    /// With <paramref name="sameSourceOnly"/> (blobs, whose ids come from their names), a dataset that came
    /// from a different source is never replaced: the attempt is rejected naming both.
    /// </summary>
    public async Task<IngestResult> IngestAsync(Stream csv, string? datasetId, string sourceName,
        int? chunkSize = null, IProgress<IngestProgress>? progress = null, CancellationToken ct = default, bool sameSourceOnly = false)
    {
        var format = LogFileIngest.FormatOf(sourceName);
        if (format is null && !sourceName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            // A name that says nothing (a POSTed body, standard input): the first bytes do. Replayed after the look.
            var peek = System.IO.Pipelines.PipeReader.Create(csv, new System.IO.Pipelines.StreamPipeReaderOptions(leaveOpen: true));
            var head = await peek.ReadAtLeastAsync(SniffBytes, ct).ConfigureAwait(false);
            format = Sniff(head.Buffer.Slice(0, Math.Min(head.Buffer.Length, SniffBytes)).ToArray());
            peek.AdvanceTo(head.Buffer.Start);
            await using var replay = peek.AsStream();
            return format is { } sniffed
                ? await new LogFileIngest(store, options, this, logger).IngestAsync(sniffed, replay, datasetId, sourceName, chunkSize, progress, sameSourceOnly, ct).ConfigureAwait(false)
                : await IngestCsvAsync(replay, datasetId, sourceName, chunkSize, progress, ct, sameSourceOnly).ConfigureAwait(false);
        }
        if (format is { } named)
            return await new LogFileIngest(store, options, this, logger).IngestAsync(named, csv, datasetId, sourceName, chunkSize, progress, sameSourceOnly, ct).ConfigureAwait(false);
        return await IngestCsvAsync(csv, datasetId, sourceName, chunkSize, progress, ct, sameSourceOnly).ConfigureAwait(false);
    }

    /// <summary>Enough of a file's start to tell its format: a DLIS storage unit label, or a LAS file's first section.</summary>
    private const int SniffBytes = 512;

    /// <summary>DLIS by its storage unit label (or a TIF header, or a visible record for a file without a label); LAS by "~V" opening its first line that is not blank or a '#' comment.</summary>
    internal static LogFormat? Sniff(ReadOnlySpan<byte> head)
    {
        if (Parse.Dlis.LogicalRecordReader.IsDlis(head)) return LogFormat.Dlis;
        if (head.StartsWith("\xEF\xBB\xBF"u8)) head = head[3..];
        while (!head.IsEmpty)
        {
            var end = head.IndexOf((byte)'\n');
            var line = end >= 0 ? head[..end] : head;
            var text = line.Trim(" \t\r"u8);
            if (text.Length > 0 && text[0] != (byte)'#')
                return text.Length >= 2 && text[0] == (byte)'~' && (text[1] | 0x20) == (byte)'v' ? LogFormat.Las : null;
            head = end >= 0 ? head[(end + 1)..] : [];
        }
        return null;
    }

    private async Task<IngestResult> IngestCsvAsync(Stream csv, string? datasetId, string sourceName,
        int? chunkSize, IProgress<IngestProgress>? progress, CancellationToken ct, bool sameSourceOnly)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using var input = new CheckedInputStream(csv, options.MaxCsvBytes);
        CsvFrameReader? reader = null;
        IngestWriter? writer = null;
        string id;
        try
        {
            id = datasetId is null ? DatasetId.FromFileName(sourceName) : DatasetId.Require(datasetId);
        }
        catch (CsvRejectedException e)
        {
            id = datasetId ?? sourceName; // logged under the name it was given
            return Finish(IngestStatus.Rejected, null, e.Message);
        }
        // Checked again when publishing (another source may get there first); here it spares reading the file.
        if (sameSourceOnly && FindOrFail(id) is { } existing && existing.SourceName != sourceName)
            return Finish(IngestStatus.Rejected, null, SourceConflict(existing.SourceName));

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var batchRows = chunkSize ?? options.ChunkSize;
        var inFlight = BatchesInFlight(batchRows, options.TargetWidth);
        var free = Channel.CreateBounded<FrameBatch>(inFlight);
        var full = Channel.CreateBounded<FrameBatch>(inFlight);
        var allocated = 0;

        var writing = Task.Run(() => WriteBatchesAsync(id, sourceName, started, opened => writer = opened, full.Reader, free.Writer, input, progress, cancel),
            CancellationToken.None);
        Exception? parseError = null;
        try
        {
            reader = await CsvFrameReader.OpenAsync(input, options.TargetWidth, options.Resampler,
                new CsvLimits(options.MaxColumns, options.MaxRows), cancel.Token).ConfigureAwait(false);
            while (true)
            {
                var batch = free.Reader.TryRead(out var recycled) ? recycled
                    : allocated++ < inFlight ? new FrameBatch(batchRows, options.TargetWidth)
                    : await free.Reader.ReadAsync(cancel.Token).ConfigureAwait(false);
                var any = await reader.FillAsync(batch, cancel.Token).ConfigureAwait(false);
                if (any) await full.Writer.WriteAsync(batch, cancel.Token).ConfigureAwait(false);
                if (!batch.IsFull) break;
            }
            reader.EnsureRows();
        }
        catch (Exception e)
        {
            parseError = e;
        }
        full.Writer.TryComplete();

        Exception? writeError = null;
        try
        {
            await writing.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            writeError = e;
        }

        try
        {
            // The writer trails the parser, so its error (e.g. a duplicate depth) is always on an earlier line.
            var error = writeError as CsvRejectedException ?? parseError as CsvRejectedException ?? writeError ?? parseError;
            if (error is CsvRejectedException rejected) return Finish(IngestStatus.Rejected, null, rejected.Message);
            if (error is not null)
            {
                try
                {
                    Finish(IngestStatus.Failed, null, error is OperationCanceledException ? "cancelled" : error.Message);
                }
                catch (Exception logError) when (FrameStore.IsDatabaseFailure(logError))
                {
                    // The database may be what failed: the original error is the one the caller must see.
                    logger.LogWarning(logError, "Could not record the failed ingest of {DatasetId}", id);
                }
                throw error is OperationCanceledException ? error : new IngestFailedException(id, error);
            }

            var sha = input.FinishHash();
            var content = new DatasetContent(sourceName, input.BytesRead, sha, reader!.SourceWidth, reader.TargetWidth,
                options.Resampler.ToString().ToLowerInvariant(), reader.Rows, reader.SkippedRows, reader.DepthMin, reader.DepthMax);
            return writer!.Publish(content, DateTimeOffset.UtcNow, sameSourceOnly) switch
            {
                PublishOutcome.Published => Report(IngestStatus.Succeeded, sha, null),
                PublishOutcome.Unchanged => Report(IngestStatus.Unchanged, sha, null),
                _ => Finish(IngestStatus.Rejected, sha, SourceConflict(store.FindDataset(id)?.SourceName)),
            };
        }
        finally
        {
            writer?.Dispose();
            reader?.Dispose();
        }

        // An attempt that published nothing: its writer logs how it ended and removes its rows; an attempt that
        // never got a writer (a bad dataset id, no database) is logged on its own.
        IngestResult Finish(IngestStatus status, string? sha, string? message)
        {
            var finished = DateTimeOffset.UtcNow;
            if (writer is not null) writer.End(new IngestEnd(status, input.BytesRead, sha, reader?.Rows, reader?.SkippedRows, message, finished));
            else store.RecordAttempt(new IngestAttempt(0, id, sourceName, input.BytesRead, sha, started, finished,
                reader?.Rows, reader?.SkippedRows, status.ToString().ToLowerInvariant(), message));
            return Report(status, sha, message);
        }

        string SourceConflict(string? holder) => SourceConflictMessage(id, holder, sourceName);

        IngestResult Report(IngestStatus status, string? sha, string? message) =>
            Reported(new IngestResult(id, status, reader?.Rows ?? 0, reader?.SkippedRows ?? 0, input.BytesRead, sha, message, clock.Elapsed), sourceName);
    }

    /// <summary>Why a blob may not replace a dataset that came from another blob.</summary>
    internal static string SourceConflictMessage(string id, string? holder, string sourceName) =>
        $"dataset '{id}' already holds '{holder}'; '{sourceName}' maps to the same id (folders and case are dropped) and would replace it: " +
        "rename one of the blobs, or delete the dataset first";

    /// <summary>Metrics and the one log line of an ingest's outcome (a dataset's, for files that become several).</summary>
    internal IngestResult Reported(IngestResult result, string sourceName)
    {
        var outcome = new KeyValuePair<string, object?>("outcome", result.Status.ToString().ToLowerInvariant());
        if (result.Status == IngestStatus.Succeeded) metrics.RowsIngested.Add(result.Rows);
        metrics.BytesIngested.Add(result.Bytes, outcome);
        metrics.IngestDuration.Record(result.Elapsed.TotalSeconds, outcome);
        logger.Log(result.Status is IngestStatus.Rejected or IngestStatus.Failed ? LogLevel.Warning : LogLevel.Information,
            "Ingest {Status} for dataset {DatasetId} from {Source}: {Rows} rows, {Skipped} skipped, {Bytes} bytes in {ElapsedMs:F0} ms {Error}",
            result.Status, result.DatasetId, sourceName, result.Rows, result.SkippedRows, result.Bytes, result.Elapsed.TotalMilliseconds, result.Error);
        return result;
    }

    /// <summary>
    /// Ingests a blob of the input container (the trigger and the reconcile sweep), as the dataset named after it.
    /// The blob is read as one streaming download — the SDK resumes it from where it broke on a transient fault —
    /// so parsing never waits on a round trip per range, as it did with <c>OpenReadAsync</c>'s 4 MiB ranges.
    /// </summary>
    public async Task<IngestResult> IngestBlobAsync(BlobClient blob, CancellationToken ct)
    {
        var download = await blob.DownloadStreamingAsync(cancellationToken: ct).ConfigureAwait(false);
        await using (var content = download.Value.Content)
        {
            var result = await IngestAsync(content, null, $"{blob.BlobContainerName}/{blob.Name}", ct: ct, sameSourceOnly: true).ConfigureAwait(false);
            // A worker lives on between blobs, and an ingest leaves its buffers as garbage no allocation comes to
            // collect: without this the worker sat at 245 MB between 761 MB blobs and the next one peaked above
            // 240 MB; compacted, it idles at 155-175 MB and peaks at 195 MB. A full collection is tens of ms,
            // nothing beside an ingest.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return result;
        }
    }

    /// <summary>A database that cannot be read fails the ingest like any later database fault: worth a retry.</summary>
    internal DatasetInfo? FindOrFail(string id)
    {
        try
        {
            return store.FindDataset(id);
        }
        catch (Exception e) when (FrameStore.IsDatabaseFailure(e))
        {
            throw new IngestFailedException(id, e);
        }
    }

    /// <summary>The writer thread: opens the version (handed to <paramref name="opened"/> at once, so the caller
    /// ends it whatever happens next) and commits each batch the parser fills.</summary>
    private async Task WriteBatchesAsync(string datasetId, string source, DateTimeOffset started, Action<IngestWriter> opened,
        ChannelReader<FrameBatch> full, ChannelWriter<FrameBatch> free, CheckedInputStream input, IProgress<IngestProgress>? progress,
        CancellationTokenSource cancel)
    {
        try
        {
            var writer = store.BeginIngest(datasetId, source, started); // may time out waiting for the write lock
            opened(writer);
            var rows = 0;
            await foreach (var batch in full.ReadAllAsync().ConfigureAwait(false))
            {
                writer.Write(batch);
                rows += batch.Count;
                progress?.Report(new IngestProgress(rows, input.BytesRead));
                free.TryWrite(batch);
            }
        }
        catch
        {
            cancel.Cancel(); // stop the parser: nothing it reads now can be stored, and it must not wait for free batches
            throw;
        }
    }
}

/// <summary>An ingest failed for a reason other than its content (storage, database): worth retrying.</summary>
public sealed class IngestFailedException(string datasetId, Exception inner)
    : Exception($"ingest of dataset '{datasetId}' failed: {inner.Message}", inner);
