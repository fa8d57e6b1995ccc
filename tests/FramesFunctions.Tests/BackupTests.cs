using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using ImageFrames.Operations;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// Backups of the SQLite store taken while it is in use, and their restore: a snapshot taken during an ingest
/// holds every dataset at a complete version; a restored database answers frames, pictures and arrays with the
/// same bytes; a damaged or foreign backup, an existing database without --force, and a database another
/// connection has open are refused with nothing changed.
/// </summary>
public sealed class BackupTests : IDisposable
{
    private readonly HttpHarness _http = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("imageframes-backup-").FullName;

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<string> BackupAsync()
    {
        var (path, _) = await SqliteBackup.CreateAsync(_http.Db.Options.DatabasePath);
        var kept = Path.Combine(_folder, Path.GetFileName(path));
        File.Move(path, kept);
        return kept;
    }

    private static async Task<BackupSummary> RestoreAsync(string backup, string target, bool force = false)
    {
        await using var input = File.OpenRead(backup);
        return await SqliteBackup.RestoreAsync(input, target, force);
    }

    [Fact]
    public async Task ABackupTakenDuringAnIngestHoldsEveryDatasetAtACompleteVersion()
    {
        await _http.Db.IngestTextAsync(Csv.Of(4, ("1", 10), ("2", 20)), "wells");
        // A second version of 'wells' stalls after two full chunks were written (not yet published).
        var pipe = new Pipe();
        var slow = Task.Run(() => _http.Db.Ingest.IngestAsync(pipe.Reader.AsStream(), "wells", "wells.csv"));
        var rows = Csv.Header(4) + "\n" + string.Join("\n", Enumerable.Range(0, 9000).Select(i => Csv.Row(i.ToString(), [i % 256, 1, 2, 3]))) + "\n";
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(rows));
        await StoreContractTests.WaitUntil(() => _http.Db.StoredRows() >= 2 * Chunks.Rows);

        var during = await BackupAsync();
        await pipe.Writer.CompleteAsync();
        Assert.Equal(9000, (await slow).Rows);
        var after = await BackupAsync();

        var target = Path.Combine(_folder, "during.db");
        var summary = await RestoreAsync(during, target);
        Assert.Equal((1, 2L), (summary.Datasets, summary.Rows));
        using (var restored = new TempDatabase(o => o.DatabasePath = target))
            Assert.Equal(2, restored.Store.FindDataset("wells")!.RowCount);
        summary = await RestoreAsync(after, target, force: true);
        using (var restored = new TempDatabase(o => o.DatabasePath = target))
            Assert.Equal(9000, restored.Store.FindDataset("wells")!.RowCount);
        Assert.Equal((1, 9000L), (summary.Datasets, summary.Rows));
    }

    [Fact]
    public async Task ARestoredDatabaseAnswersWithTheSameBytes()
    {
        await _http.Db.IngestFileAsync(TestPaths.SampleCsv, "img");
        await using (var dlis = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "ubi_feet_decreasing.dlis")))
            await _http.Db.Ingest.IngestAsync(dlis, null, "ubi.dlis");
        var queries = new (Func<Functions.HttpFunctions, Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult> Route, string Query)[]
        {
            ((f, q) => f.GetFrames(q), "dataset=img&depth_min=9100&depth_max=9200&limit=1000"),
            ((f, q) => f.GetFramesImage(q), "dataset=img&colormap=viridis"),
            ((f, q) => f.GetFramesImage(q), "dataset=ubi&normalize=dynamic"),
            ((f, q) => f.GetArray(q), "dataset=ubi&values=true&format=npz"),
            ((f, q) => f.GetFrames(q), "dataset=ubi&limit=50"),
        };
        var before = new List<byte[]>();
        foreach (var (route, query) in queries) before.Add((await _http.GetAsync(route, query)).Body);

        var backup = await BackupAsync();
        var target = Path.Combine(_folder, "restored.db");
        await RestoreAsync(backup, target);
        using var restored = new HttpHarness(o => o.DatabasePath = target);
        for (var i = 0; i < queries.Length; i++)
        {
            var answer = await restored.GetAsync(queries[i].Route, queries[i].Query);
            Assert.Equal(200, answer.Status);
            Assert.Equal(before[i], answer.Body);
        }
    }

    [Fact]
    public async Task ADamagedOrForeignBackupIsRefusedAndNothingChanges()
    {
        await _http.Db.IngestTextAsync(Csv.Of(4, ("1", 10)), "kept");
        var backup = await BackupAsync();
        var target = Path.Combine(_folder, "target.db");
        await RestoreAsync(backup, target);
        var original = await File.ReadAllBytesAsync(target);

        // Not gzip at all.
        var text = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(text, "depth,a\n1,2\n");
        Assert.Contains("not a gzip-compressed database", (await Assert.ThrowsAsync<BackupRejectedException>(() => RestoreAsync(text, target, force: true))).Message);

        // Gzip, but truncated.
        var bytes = await File.ReadAllBytesAsync(backup);
        var truncated = Path.Combine(_folder, "truncated.db.gz");
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        await Assert.ThrowsAsync<BackupRejectedException>(() => RestoreAsync(truncated, target, force: true));

        // Gzip of a damaged database: a page in the middle overwritten.
        var database = Gunzip(bytes);
        Array.Fill(database, (byte)0x5A, database.Length / 2, 4096);
        var damaged = Path.Combine(_folder, "damaged.db.gz");
        await File.WriteAllBytesAsync(damaged, Gzip(database));
        var e = await Assert.ThrowsAsync<BackupRejectedException>(() => RestoreAsync(damaged, target, force: true));
        Assert.Contains("nothing was restored", e.Message);

        // Gzip of another SQLite database.
        var foreign = Path.Combine(_folder, "foreign.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE notes (text TEXT)";
            command.ExecuteNonQuery();
        }
        var foreignGz = Path.Combine(_folder, "foreign.db.gz");
        await File.WriteAllBytesAsync(foreignGz, Gzip(await File.ReadAllBytesAsync(foreign)));
        Assert.Contains("is not an ImageFrames database", (await Assert.ThrowsAsync<BackupRejectedException>(() => RestoreAsync(foreignGz, target, force: true))).Message);

        Assert.Equal(original, await File.ReadAllBytesAsync(target));
        Assert.Empty(Directory.GetFiles(_folder, ".target.db.*")); // no temporary file left behind
    }

    [Fact]
    public async Task AnExistingDatabaseIsReplacedOnlyWithForceAndNeverWhileOpen()
    {
        await _http.Db.IngestTextAsync(Csv.Of(4, ("1", 10)), "one");
        var backup = await BackupAsync();

        // The harness's own database: it exists, and the harness's store has it open.
        var live = _http.Db.Options.DatabasePath;
        var refused = await Assert.ThrowsAsync<BackupRejectedException>(() => RestoreAsync(backup, live));
        Assert.Contains("pass --force to replace it (it holds 1 datasets)", refused.Message);
        // A running service holds connections; hold one ourselves rather than trust the store's pool to keep
        // one (Microsoft.Data.Sqlite prunes idle pooled connections on a timer, so that raced on a slow CI).
        using (var running = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={live};Pooling=False"))
        {
            running.Open();
            using (var read = running.CreateCommand())
            {
                read.CommandText = "SELECT count(*) FROM datasets"; // a connection maps the WAL index on first use
                read.ExecuteScalar();
            }
            refused = await Assert.ThrowsAsync<BackupRejectedException>(() => RestoreAsync(backup, live, force: true));
            Assert.Contains("another process has the database", refused.Message);
        }
        Assert.NotNull(_http.Db.Store.FindDataset("one"));

        // A database nobody has open is replaced, WAL and all.
        var target = Path.Combine(_folder, "closed.db");
        await RestoreAsync(backup, target);
        using (var other = new TempDatabase(o => o.DatabasePath = target))
            await other.IngestTextAsync(Csv.Of(4, ("1", 10), ("2", 20), ("3", 30)), "two");
        await RestoreAsync(backup, target, force: true);
        using var restored = new TempDatabase(o => o.DatabasePath = target);
        Assert.Equal(["one"], restored.Store.ListDatasets().Select(d => d.Id));
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }
}
