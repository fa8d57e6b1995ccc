using System.CommandLine;
using Azure.Storage.Blobs;
using Azure.Core.Extensions;
using ImageFrames.Configuration;
using ImageFrames.Operations;
using Microsoft.Extensions.Azure;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames backup</c>, <c>frames backups</c> and <c>frames restore</c>: checked, compressed snapshots of
/// the SQLite store to a file or the backup container, and their restore (see <see cref="SqliteBackup"/>).</summary>
public static class BackupVerbs
{
    public static Command Backup(CliContext cli)
    {
        var output = new Option<FileInfo?>("--out", "-o") { Description = "write the backup to this file (.db.gz)", HelpName = "FILE" };
        var container = ContainerOption();
        var command = new Command("backup", "Take an online, checked, compressed snapshot of the SQLite database (FRAMES_DB_PATH) while the " +
                                            "service runs: to --out FILE, else to the backup container (FRAMES_BACKUP_CONTAINER), keeping the newest " +
                                            "FRAMES_BACKUP_KEEP.") { output, container };
        command.SetAction(async (parsed, ct) =>
        {
            var options = SqliteOptions(cli, "backup");
            if (parsed.GetValue(output) is { } file)
            {
                if (parsed.GetValue(container) is not null) throw new UsageException("--out and --container: give one of them");
                var (compressed, summary) = await SqliteBackup.CreateAsync(options.DatabasePath, ct);
                File.Move(compressed, file.FullName, overwrite: true);
                await cli.Console.Out.WriteLineAsync($"backed up {summary.Datasets} datasets, {summary.Rows:N0} rows ({summary.DatabaseBytes:N0} bytes) to {file.FullName} ({file.Length:N0} bytes)");
                return CommandLine.Ok;
            }
            RequireStorage(cli);
            var name = parsed.GetValue(container) ?? options.BackupContainer;
            var (backup, taken, deleted) = (await cli.Get<BackupService>().BackUpAsync(name, ct))!;
            await cli.Console.Out.WriteLineAsync($"backed up {taken.Datasets} datasets, {taken.Rows:N0} rows to {name}/{backup.Name} ({backup.Bytes:N0} bytes)" +
                                                 (deleted.Count > 0 ? $"; deleted {deleted.Count} older: {string.Join(", ", deleted)}" : ""));
            return CommandLine.Ok;
        });
        return command;
    }

    public static Command List(CliContext cli)
    {
        var container = ContainerOption();
        var command = new Command("backups", "List the backups in the backup container, newest first.") { container };
        command.SetAction(async (parsed, ct) =>
        {
            var backups = Container(cli, parsed.GetValue(container) ?? cli.Get<FramesOptions>().BackupContainer);
            var list = await backups.ListAsync(ct);
            if (list.Count == 0) await cli.Console.Out.WriteLineAsync($"no backups in {backups.Name}");
            foreach (var backup in list) await cli.Console.Out.WriteLineAsync($"{backup.Name}  {backup.Bytes,15:N0} bytes");
            return CommandLine.Ok;
        });
        return command;
    }

    public static Command Restore(CliContext cli)
    {
        var source = new Argument<string>("backup") { Description = "a backup file, or the name of a backup in the backup container" };
        var force = new Option<bool>("--force") { Description = "replace an existing database (never one another process has open)" };
        var container = ContainerOption();
        var command = new Command("restore", "Restore the SQLite database (FRAMES_DB_PATH) from a backup: checked before anything is touched, " +
                                             "swapped in with one rename.") { source, force, container };
        command.SetAction(async (parsed, ct) =>
        {
            var options = SqliteOptions(cli, "restore");
            var name = parsed.GetValue(source)!;
            try
            {
                BackupSummary summary;
                if (File.Exists(name))
                {
                    await using var file = File.OpenRead(name);
                    summary = await SqliteBackup.RestoreAsync(file, options.DatabasePath, parsed.GetValue(force), ct);
                }
                else if (SqliteBackup.IsBackupName(name))
                {
                    await using var blob = await Container(cli, parsed.GetValue(container) ?? options.BackupContainer).OpenAsync(name, ct);
                    summary = await SqliteBackup.RestoreAsync(blob, options.DatabasePath, parsed.GetValue(force), ct);
                }
                else throw new UsageException($"backup: no file '{name}', and not a backup's name (frames-YYYYMMDDTHHMMSSZ.db.gz; see frames backups)");
                await cli.Console.Out.WriteLineAsync($"restored {summary.Datasets} datasets, {summary.Rows:N0} rows to {Path.GetFullPath(options.DatabasePath)}");
                return CommandLine.Ok;
            }
            catch (BackupRejectedException e)
            {
                await cli.Console.Error.WriteLineAsync($"refused: {e.Message}");
                return CommandLine.Failed;
            }
        });
        return command;
    }

    private static Option<string?> ContainerOption() =>
        new("--container") { Description = "the backup container (default FRAMES_BACKUP_CONTAINER, frames-backups)", HelpName = "NAME" };

    private static FramesOptions SqliteOptions(CliContext cli, string verb)
    {
        var options = cli.Get<FramesOptions>();
        if (!string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            throw new UsageException($"{verb} is for the SQLite store; FRAMES_POSTGRES is set — use pg_dump/pg_restore (docs/deploy.md, 'Scale out: PostgreSQL')");
        return options;
    }

    private static BlobServiceClient RequireStorage(CliContext cli) =>
        StorageClient.Create(cli.Configuration, cli.Get<AzureComponentFactory>())
        ?? throw new UsageException($"{StorageClient.Section} is not set (environment, or local.settings.json in this folder); or use --out FILE");

    private static BackupContainer Container(CliContext cli, string name) => new(RequireStorage(cli).GetBlobContainerClient(name));
}
