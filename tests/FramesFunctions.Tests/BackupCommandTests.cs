using ImageFrames.Operations;
using Microsoft.Extensions.Configuration;

namespace ImageFrames.Tests;

/// <summary><c>frames backup</c>, <c>backups</c> and <c>restore</c>, and the backup timer function, against Azurite:
/// backups land in the backup container under names that sort by time, retention deletes exactly the oldest (and
/// nothing that is not a backup), and a backup restores by its name; to and from a file without any storage.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BackupCommandTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly string _container = "backups-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _db.Dispose();

    private IConfiguration Settings(string databasePath, int keep = 7) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["FRAMES_DB_PATH"] = databasePath,
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["FRAMES_BACKUP_CONTAINER"] = _container,
        ["FRAMES_BACKUP_KEEP"] = keep.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }).Build();

    private static async Task<(int Exit, string Out, string Error)> RunAsync(IConfiguration settings, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await Cli.CommandLine.RunAsync(args, stdout, stderr, settings);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task RetentionKeepsTheNewestAndABackupRestoresByName()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("1", 10), ("2", 20)), "wells");
        var container = new BackupContainer(azurite.Blobs.GetBlobContainerClient(_container));
        // Three backups an hour apart (names carry the time), and a blob that is not a backup.
        var start = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        for (var hour = 0; hour < 3; hour++) await container.BackUpAsync(_db.Options.DatabasePath, start.AddHours(hour));
        await azurite.Blobs.GetBlobContainerClient(_container).UploadBlobAsync("notes.txt", BinaryData.FromString("keep me"));

        Assert.Equal(["frames-20261201T020000Z.db.gz", "frames-20261201T010000Z.db.gz", "frames-20261201T000000Z.db.gz"], (await container.ListAsync()).Select(b => b.Name));
        Assert.Equal(["frames-20261201T000000Z.db.gz"], await container.PruneAsync(2));
        Assert.Equal(["frames-20261201T020000Z.db.gz", "frames-20261201T010000Z.db.gz"], (await container.ListAsync()).Select(b => b.Name));
        Assert.True((await azurite.Blobs.GetBlobContainerClient(_container).GetBlobClient("notes.txt").ExistsAsync()).Value);

        // The CLI: one more backup (now) keeps two, deleting the older hourly one.
        var (exit, output, error) = await RunAsync(Settings(_db.Options.DatabasePath, keep: 2), "backup");
        Assert.True(exit == 0, error);
        Assert.Contains("backed up 1 datasets, 2 rows", output);
        Assert.Contains("deleted 1 older: frames-20261201T010000Z.db.gz", output);
        (exit, output, _) = await RunAsync(Settings(_db.Options.DatabasePath), "backups");
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("frames-20261201T020000Z.db.gz", output);

        // Restore by name into a new database.
        var target = Path.Combine(_db.Folder, "restored.db");
        (exit, output, error) = await RunAsync(Settings(target), "restore", "frames-20261201T020000Z.db.gz");
        Assert.True(exit == 0, error);
        Assert.Contains("restored 1 datasets, 2 rows", output);
        using var restored = new TempDatabase(o => o.DatabasePath = target);
        Assert.Equal(2, restored.Store.FindDataset("wells")!.RowCount);

        // Again over it: refused without --force, exit 1, saying so.
        (exit, _, error) = await RunAsync(Settings(target), "restore", "frames-20261201T020000Z.db.gz");
        Assert.Equal(1, exit);
        Assert.Contains("pass --force to replace it", error);
    }

    [Fact]
    public async Task TheTimerFunctionBacksUpToTheContainerAndKeepsTheNewest()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("1", 10)), "one");
        var options = new Configuration.FramesOptions { DatabasePath = _db.Options.DatabasePath, BackupContainer = _container, BackupKeep = 2 };
        var clock = new SteppingClock(new DateTimeOffset(2026, 12, 3, 2, 30, 0, TimeSpan.Zero));
        var service = new BackupService(_db.Store, options, azurite.Blobs, clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<BackupService>.Instance);
        var function = new Functions.BackupFunction(service);
        for (var day = 0; day < 3; day++)
        {
            await function.Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
            clock.Advance(TimeSpan.FromDays(1));
        }
        var kept = await new BackupContainer(azurite.Blobs.GetBlobContainerClient(_container)).ListAsync();
        Assert.Equal(["frames-20261205T023000Z.db.gz", "frames-20261204T023000Z.db.gz"], kept.Select(b => b.Name));

    }

    private sealed class SteppingClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }

    [Fact]
    public async Task ABackupGoesToAFileAndComesBackWithoutStorage()
    {
        await _db.IngestTextAsync(Csv.Of(4, ("1", 10)), "one");
        var noStorage = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FRAMES_DB_PATH"] = _db.Options.DatabasePath }).Build();
        var file = Path.Combine(_db.Folder, "one.db.gz");
        var (exit, output, error) = await RunAsync(noStorage, "backup", "--out", file);
        Assert.True(exit == 0, error);
        Assert.Contains($"to {file}", output);
        var target = Path.Combine(_db.Folder, "copy.db");
        var copy = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FRAMES_DB_PATH"] = target }).Build();
        Assert.Equal(0, (await RunAsync(copy, "restore", file)).Exit);
        (exit, _, error) = await RunAsync(copy, "restore", "nothing-here.db.gz");
        Assert.Equal(2, exit);
        Assert.Contains("no file 'nothing-here.db.gz', and not a backup's name", error);
        (exit, _, error) = await RunAsync(noStorage, "backups");
        Assert.Equal(2, exit);
        Assert.Contains("AzureWebJobsStorage is not set", error);
    }
}
