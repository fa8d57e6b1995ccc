using System.Diagnostics;
using System.Text.Json;
using ImageFrames.Configuration;
using ImageFrames.Normalize;
using ImageFrames.Parse;
using ImageFrames.Parse.Dlis;
using ImageFrames.Parse.Las;
using ImageFrames.Store;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Ingest;

/// <summary>The log file formats that carry physical values, read into <see cref="ImageChannelSpool"/>s.</summary>
public enum LogFormat { Dlis, Las }

/// <summary>
/// A DLIS or LAS file through the same guarantees as a CSV: read once as a stream (size-limited and hashed by
/// <see cref="CheckedInputStream"/>) into one spool per image channel (<see cref="DlisImageChannels"/>,
/// <see cref="LasImageChannels"/>); then each channel becomes a dataset: its values normalised to greys
/// (<see cref="StaticNormalization"/>), written with the frame's curves as a new version that is published
/// atomically, idempotent by content, every attempt logged. A rejected file publishes nothing. Dataset ids: the
/// file's name when it holds one image channel, else name-channel, and name-channel-lf&lt;i&gt; for a channel
/// name that repeats across logical files.
/// </summary>
internal sealed class LogFileIngest(FrameStore store, FramesOptions options, IngestService ingest, ILogger logger)
{
    /// <summary>The format a file's name says it is in (any case), or null.</summary>
    public static LogFormat? FormatOf(string name) =>
        name.EndsWith(".dlis", StringComparison.OrdinalIgnoreCase) ? LogFormat.Dlis
        : name.EndsWith(".las", StringComparison.OrdinalIgnoreCase) ? LogFormat.Las
        : null;

    private static readonly JsonSerializerOptions MetadataJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public async Task<IngestResult> IngestAsync(LogFormat format, Stream source, string? datasetId, string sourceName, int? chunkSize,
        IProgress<IngestProgress>? progress, bool sameSourceOnly, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using var input = new CheckedInputStream(source, options.MaxCsvBytes, text: false);
        string baseId;
        try
        {
            baseId = datasetId is null ? DatasetId.FromFileName(sourceName) : DatasetId.Require(datasetId);
        }
        catch (CsvRejectedException e)
        {
            return Rejected(datasetId ?? sourceName, e.Message);
        }

        List<ImageChannelSpool> spools;
        try
        {
            spools = format == LogFormat.Las
                ? await LasImageChannels.SpoolAsync(input, options.TargetWidth, Path.GetTempPath(), ct).ConfigureAwait(false)
                : await DlisImageChannels.SpoolAsync(input, options.TargetWidth, Path.GetTempPath(), logger, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LogFormatException or CsvRejectedException)
        {
            return Rejected(baseId, e.Message);
        }
        try
        {
            var sha = input.FinishHash();
            var results = new List<IngestResult>();
            foreach (var (spool, id) in spools.Zip(Ids(baseId, spools)))
                results.Add(await PublishAsync(spool, id, sourceName, input.BytesRead, sha, started, chunkSize ?? options.ChunkSize, progress, sameSourceOnly, clock).ConfigureAwait(false));
            return results[0] with { Others = results[1..] };
        }
        finally
        {
            foreach (var spool in spools) spool.Dispose();
        }

        IngestResult Rejected(string id, string message)
        {
            store.RecordAttempt(new IngestAttempt(0, id, sourceName, input.BytesRead, null, started, DateTimeOffset.UtcNow, null, null, "rejected", message));
            return ingest.Reported(new IngestResult(id, IngestStatus.Rejected, 0, 0, input.BytesRead, null, message, clock.Elapsed), sourceName);
        }
    }

    /// <summary>The datasets' ids, in the order of the channels.</summary>
    internal static List<string> Ids(string baseId, IReadOnlyList<ImageChannelSpool> spools)
    {
        if (spools.Count == 1) return [baseId];
        var repeated = spools.GroupBy(s => s.Source.Channel).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        return spools.Select(s =>
        {
            var channel = new string(s.Source.Channel.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' ? c : '_').ToArray());
            var id = $"{baseId}-{channel}" + (repeated.Contains(s.Source.Channel) ? $"-lf{s.Source.LogicalFile}" : "");
            return DatasetId.TryNormalize(id, out var valid) ? valid
                : throw new CsvRejectedException($"dataset id '{id}' for channel {s.Source.Channel} is not valid: shorten the file name (ids are at most 64 characters)");
        }).ToList();
    }

    private async Task<IngestResult> PublishAsync(ImageChannelSpool spool, string id, string sourceName, long bytes, string sha, DateTimeOffset started,
        int batchRows, IProgress<IngestProgress>? progress, bool sameSourceOnly, Stopwatch clock)
    {
        IngestResult Result(IngestStatus status, string? error) =>
            ingest.Reported(new IngestResult(id, status, status is IngestStatus.Succeeded or IngestStatus.Unchanged ? spool.Rows : 0, 0, bytes, sha, error, clock.Elapsed), sourceName);

        if (sameSourceOnly && ingest.FindOrFail(id) is { } existing && existing.SourceName != sourceName)
        {
            var conflict = IngestService.SourceConflictMessage(id, existing.SourceName, sourceName);
            store.RecordAttempt(new IngestAttempt(0, id, sourceName, bytes, sha, started, DateTimeOffset.UtcNow, null, null, "rejected", conflict));
            return Result(IngestStatus.Rejected, conflict);
        }
        var normalization = spool.Normalization(options.Normalize, options.ClipPercent());
        // Written on another thread while the write connection opens: the serializer's first use costs about 0.1 s.
        var metadata = Task.Run(() => Metadata(spool, normalization));
        spool.Rewind();
        IngestWriter? writer = null;
        var filling = Task.FromResult(false);
        try
        {
            writer = store.BeginIngest(id, sourceName, started);
            // Two batches: the next is filled (spool read, greys) on another thread while this one is written.
            var (ready, next) = (new FrameBatch(batchRows, spool.Width), new FrameBatch(batchRows, spool.Width));
            var rows = 0;
            filling = Task.Run(() => spool.Fill(ready, normalization));
            while (await filling.ConfigureAwait(false))
            {
                var fill = next;
                filling = Task.Run(() => spool.Fill(fill, normalization));
                writer.Write(ready);
                rows += ready.Count;
                progress?.Report(new IngestProgress(rows, bytes));
                (ready, next) = (next, ready);
            }
            if (spool.Curves.Count > 0) writer.WriteCurves(spool.Curves.Count, spool.ReadCurvesByDepth);
            var content = new DatasetContent(sourceName, bytes, sha, spool.SourceWidth, spool.Width, "area", spool.Rows, 0, spool.DepthMin, spool.DepthMax, await metadata.ConfigureAwait(false));
            return writer.Publish(content, DateTimeOffset.UtcNow, sameSourceOnly) switch
            {
                PublishOutcome.Published => Result(IngestStatus.Succeeded, null),
                PublishOutcome.Unchanged => Result(IngestStatus.Unchanged, null),
                _ => End(IngestStatus.Rejected, IngestService.SourceConflictMessage(id, store.FindDataset(id)?.SourceName, sourceName)),
            };
        }
        catch (CsvRejectedException e) // a duplicate depth: the writer names both rows as lines, which a DLIS row is not
        {
            return End(IngestStatus.Rejected, spool.Source.Format == "DLIS" ? e.Message.Replace("line", "frame", StringComparison.Ordinal) : e.Message);
        }
        catch (Exception e) when (writer is not null && e is not OperationCanceledException)
        {
            End(IngestStatus.Failed, e.Message);
            throw new IngestFailedException(id, e);
        }
        finally
        {
            await filling.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false); // a fill still running when the write failed
            writer?.Dispose();
        }

        IngestResult End(IngestStatus status, string message)
        {
            writer!.End(new IngestEnd(status, bytes, sha, null, null, message, DateTimeOffset.UtcNow));
            return Result(status, message);
        }
    }

    /// <summary>The dataset's metadata: where it came from, its units, and how greys map back to values.</summary>
    private static string Metadata(ImageChannelSpool spool, StaticNormalization normalization) => JsonSerializer.Serialize(new
    {
        spool.Source.Format,
        Source = spool.Source,
        spool.Source.DepthUnit,
        ValueUnits = spool.Source.Units,
        spool.Curves,
        Samples = new { Present = spool.Histogram.Present, Absent = spool.Histogram.Absent, Min = Finite(spool.Histogram.Min), Max = Finite(spool.Histogram.Max) },
        Normalization = new { normalization.Kind, normalization.ClipPercent, normalization.AbsentGrey, normalization.ValueOfGrey },
    }, MetadataJson);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
