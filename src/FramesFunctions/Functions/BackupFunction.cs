using ImageFrames.Operations;
using Microsoft.Azure.Functions.Worker;

namespace ImageFrames.Functions;

/// <summary>On FRAMES_BACKUP_SCHEDULE (compose and the example settings: daily at 02:30), a checked, compressed
/// backup of the SQLite store to FRAMES_BACKUP_CONTAINER, keeping the newest FRAMES_BACKUP_KEEP.</summary>
public sealed class BackupFunction(BackupService backups)
{
    [Function("BackupDatabase")]
    public Task Run([TimerTrigger("%FRAMES_BACKUP_SCHEDULE%")] TimerInfo timer, CancellationToken cancellationToken) =>
        backups.BackUpAsync(ct: cancellationToken);
}
