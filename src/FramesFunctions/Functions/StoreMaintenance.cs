using ImageFrames.Configuration;
using ImageFrames.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Functions;

/// <summary>At start-up, in the background (a running ingest elsewhere must not delay the app's start):
/// ends ingests whose process died and purges versions nobody can read any more.</summary>
public sealed class StoreMaintenance(FrameStore store, FramesOptions options, ILogger<StoreMaintenance> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            var ended = store.RemoveAbandonedIngests(TimeSpan.FromSeconds(options.AbandonedAfterSeconds));
            if (ended > 0) logger.LogWarning("Removed {Count} abandoned ingests at start-up", ended);
        }
        catch (Exception e) when (FrameStore.IsDatabaseFailure(e) || e is IOException)
        {
            logger.LogWarning(e, "Start-up store maintenance failed; the reconcile sweep tries again");
        }
    }, stoppingToken);
}
