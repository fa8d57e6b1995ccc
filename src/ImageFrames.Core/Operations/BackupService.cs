using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using ImageFrames.Store;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Operations;

/// <summary>One scheduled or asked-for backup: what was kept, what it holds, and which older backups retention deleted.</summary>
public sealed record BackupOutcome(StoredBackup Backup, BackupSummary Summary, IReadOnlyList<string> Deleted);

/// <summary>
/// Backs the SQLite store up to the backup container and applies retention (the timer function and
/// <c>frames backup</c> both call it). A PostgreSQL store is backed up by its server (point-in-time restore in
/// Azure, <c>pg_dump</c> in compose): here it is skipped, saying so.
/// </summary>
public sealed class BackupService(FrameStore store, FramesOptions options, BlobServiceClient? blobs, TimeProvider clock, ILogger<BackupService> logger)
{
    public async Task<BackupOutcome?> BackUpAsync(string? containerName = null, CancellationToken ct = default)
    {
        if (store is not SqliteFrameStore sqlite)
        {
            logger.LogInformation("Backup skipped: the store is PostgreSQL, which its server backs up (FRAMES_POSTGRES)");
            return null;
        }
        if (blobs is null) throw new InvalidOperationException("AzureWebJobsStorage is not set: backups have no container to go to");
        var container = new BackupContainer(blobs.GetBlobContainerClient(containerName ?? options.BackupContainer));
        var (backup, summary) = await container.BackUpAsync(sqlite.DatabasePath, clock.GetUtcNow(), ct).ConfigureAwait(false);
        var deleted = await container.PruneAsync(options.BackupKeep, ct).ConfigureAwait(false);
        logger.LogInformation("Backup {Container}/{Name}: {Datasets} datasets, {Rows} rows, {Bytes} bytes; deleted {Deleted} older",
            container.Name, backup.Name, summary.Datasets, summary.Rows, backup.Bytes, deleted.Count);
        return new BackupOutcome(backup, summary, deleted);
    }
}
