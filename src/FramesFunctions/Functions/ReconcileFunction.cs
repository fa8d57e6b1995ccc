using ImageFrames.Ingest;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Functions;

/// <summary>Every few minutes (FRAMES_RECONCILE_SCHEDULE, default every 5), ingest any blob the trigger missed.</summary>
public sealed class ReconcileFunction(ReconcileService reconcile, ILogger<ReconcileFunction> logger)
{
    [Function("ReconcileBlobs")]
    public async Task Run([TimerTrigger("%FRAMES_RECONCILE_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var result = await reconcile.SweepAsync(cancellationToken);
        logger.LogInformation("Reconcile sweep: {Listed} blobs listed, {Ingested} ingested, {Skipped} up to date, {Failed} failed (retried later), {Abandoned} abandoned ingests removed",
            result.Listed, result.Ingested, result.Skipped, result.Failed, result.Abandoned);
    }
}
