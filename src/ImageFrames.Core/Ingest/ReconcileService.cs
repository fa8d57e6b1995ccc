using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using ImageFrames.Store;

namespace ImageFrames.Ingest;

public sealed record ReconcileResult(int Listed, int Ingested, int Skipped);

/// <summary>
/// The safety net under the polling blob trigger: lists the input container and ingests every blob that has
/// no ingest attempt recorded since it was last modified. Racing the trigger is harmless: ingests of one
/// dataset serialise on the write lock and the loser finds the same SHA-256 and reports "unchanged"; a
/// rejected blob has its attempt recorded, so it is not retried until it changes.
/// </summary>
public sealed class ReconcileService(BlobServiceClient? blobs, FrameStore store, IngestService ingest, FramesOptions options)
{
    public async Task<ReconcileResult> SweepAsync(CancellationToken ct)
    {
        if (blobs is null) return new ReconcileResult(0, 0, 0);
        var container = blobs.GetBlobContainerClient(options.InputContainer);
        var lastAttempts = store.IngestionLog(limit: int.MaxValue)
            .GroupBy(a => a.Source)
            .ToDictionary(g => g.Key, g => g.Max(a => a.StartedAt));
        int listed = 0, ingested = 0;
        await foreach (var item in container.GetBlobsAsync(cancellationToken: ct))
        {
            listed++;
            var source = $"{container.Name}/{item.Name}";
            if (lastAttempts.TryGetValue(source, out var at) && item.Properties.LastModified is { } modified && at >= modified) continue;
            await using var content = await container.GetBlobClient(item.Name).OpenReadAsync(cancellationToken: ct);
            await ingest.IngestAsync(content, null, source, ct: ct);
            ingested++;
        }
        return new ReconcileResult(listed, ingested, listed - ingested);
    }
}
