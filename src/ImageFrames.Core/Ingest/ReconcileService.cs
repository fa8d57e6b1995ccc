using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using ImageFrames.Store;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Ingest;

public sealed record ReconcileResult(int Listed, int Ingested, int Skipped, int Failed, int Abandoned);

/// <summary>
/// The safety net under the blob trigger: first ends ingests whose process died, then lists the input
/// container and ingests every blob the trigger missed, changed since its last attempt, or whose last attempt
/// failed (a transient fault: full disk, database down) once its backoff has passed. Rejected blobs stay
/// rejected until they change. Racing the trigger is harmless: the loser of two ingests of the same content
/// finds the same SHA-256 and reports "unchanged".
/// </summary>
public sealed class ReconcileService(BlobServiceClient? blobs, FrameStore store, IngestService ingest, FramesOptions options,
    TimeProvider time, ILogger<ReconcileService> logger, FramesMetrics? metrics = null)
{
    /// <summary>Wait after the n-th failed round in a row: 1, 2, 4 … minutes, at most an hour.</summary>
    public static TimeSpan Backoff(int rounds) => TimeSpan.FromMinutes(Math.Min(60, 1 << Math.Clamp(rounds - 1, 0, 6)));

    /// <summary>
    /// Failed attempts (newest first) as rounds: attempts that each started within a minute (the first backoff
    /// step) of the previous one's end are one round. The host delivers a blob several times within seconds
    /// before it gives up; counted one by one, those deliveries pushed the sweep's first retry to 16 minutes.
    /// The sweep's own retries are at least a minute apart, so each of them is a round of its own.
    /// </summary>
    public static int FailedRounds(IReadOnlyList<IngestAttempt> failures)
    {
        var rounds = failures.Count > 0 ? 1 : 0;
        for (var i = 1; i < failures.Count; i++)
        {
            var (newer, older) = (failures[i - 1], failures[i]);
            if (newer.StartedAt - (older.FinishedAt ?? older.StartedAt) >= Backoff(1)) rounds++;
        }
        return rounds;
    }

    public async Task<ReconcileResult> SweepAsync(CancellationToken ct)
    {
        var result = await SweepOnceAsync(ct);
        if (metrics is not null)
        {
            metrics.SweepRounds.Add(1);
            metrics.SweepBlobs.Add(result.Ingested, new KeyValuePair<string, object?>("result", "ingested"));
            metrics.SweepBlobs.Add(result.Failed, new KeyValuePair<string, object?>("result", "failed"));
            metrics.SweepBlobs.Add(result.Abandoned, new KeyValuePair<string, object?>("result", "abandoned"));
        }
        return result;
    }

    private async Task<ReconcileResult> SweepOnceAsync(CancellationToken ct)
    {
        var abandoned = store.RemoveAbandonedIngests(TimeSpan.FromSeconds(options.AbandonedAfterSeconds));
        if (blobs is null) return new ReconcileResult(0, 0, 0, 0, abandoned);
        var container = blobs.GetBlobContainerClient(options.InputContainer);
        int listed = 0, ingested = 0, failed = 0;
        await foreach (var item in container.GetBlobsAsync(cancellationToken: ct))
        {
            listed++;
            var source = $"{container.Name}/{item.Name}";
            if (!IsDue(store.LatestAttempt(source), item.Properties.LastModified, time.GetUtcNow())) continue;
            try
            {
                await ingest.IngestBlobAsync(container.GetBlobClient(item.Name), ct);
                ingested++;
            }
            catch (IngestFailedException e)
            {
                // Logged as failed by the ingest; the next sweeps retry it with backoff. The other blobs go on.
                logger.LogWarning(e, "Reconcile sweep could not ingest {Source}", source);
                failed++;
            }
        }
        return new ReconcileResult(listed, ingested, listed - ingested - failed, failed, abandoned);
    }

    /// <summary>Whether a blob needs an ingest attempt now, given the latest attempt at it.</summary>
    public static bool IsDue(SourceHistory? history, DateTimeOffset? modified, DateTimeOffset now)
    {
        if (history is null) return true;
        var latest = history.Latest;
        if (modified is { } m && latest.StartedAt < m) return true; // changed since it was last tried
        return latest.Status == "failed" && now >= (latest.FinishedAt ?? latest.StartedAt) + Backoff(FailedRounds(history.ConsecutiveFailures));
    }
}
