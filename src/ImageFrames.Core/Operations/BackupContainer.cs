using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ImageFrames.Operations;

/// <summary>One backup kept in the container: its name (which sorts by the time it was taken) and size.</summary>
public sealed record StoredBackup(string Name, long Bytes);

/// <summary>
/// The blob container that keeps the SQLite store's backups (<c>FRAMES_BACKUP_CONTAINER</c>): each backup is
/// uploaded under a name that sorts by time (<see cref="SqliteBackup.NameFor"/>), and retention keeps the newest
/// few and deletes the rest. Blobs with other names are never listed or deleted.
/// </summary>
public sealed class BackupContainer(BlobContainerClient container)
{
    public string Name => container.Name;

    /// <summary>Takes a backup of the database at <paramref name="databasePath"/> and uploads it.</summary>
    public async Task<(StoredBackup Backup, BackupSummary Summary)> BackUpAsync(string databasePath, DateTimeOffset taken, CancellationToken ct = default)
    {
        var (compressed, summary) = await SqliteBackup.CreateAsync(databasePath, ct).ConfigureAwait(false);
        try
        {
            await container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
            var name = SqliteBackup.NameFor(taken);
            await container.GetBlobClient(name).UploadAsync(compressed, overwrite: true, ct).ConfigureAwait(false);
            return (new StoredBackup(name, new FileInfo(compressed).Length), summary);
        }
        finally
        {
            File.Delete(compressed);
        }
    }

    /// <summary>The backups, newest first; none when the container does not exist yet.</summary>
    public async Task<List<StoredBackup>> ListAsync(CancellationToken ct = default)
    {
        var backups = new List<StoredBackup>();
        if (!await container.ExistsAsync(ct).ConfigureAwait(false)) return backups;
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, "frames-", ct).ConfigureAwait(false))
            if (SqliteBackup.IsBackupName(blob.Name)) backups.Add(new StoredBackup(blob.Name, blob.Properties.ContentLength ?? 0));
        backups.Sort((a, b) => string.CompareOrdinal(b.Name, a.Name));
        return backups;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> backups; returns the names deleted.</summary>
    public async Task<List<string>> PruneAsync(int keep, CancellationToken ct = default)
    {
        var deleted = new List<string>();
        foreach (var old in (await ListAsync(ct).ConfigureAwait(false)).Skip(keep))
        {
            await container.DeleteBlobIfExistsAsync(old.Name, cancellationToken: ct).ConfigureAwait(false);
            deleted.Add(old.Name);
        }
        return deleted;
    }

    /// <summary>A backup's compressed bytes, streamed.</summary>
    public async Task<Stream> OpenAsync(string name, CancellationToken ct = default) =>
        (await container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: ct).ConfigureAwait(false)).Value.Content;
}
