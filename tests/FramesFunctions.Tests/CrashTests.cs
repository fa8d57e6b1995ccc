using System.Globalization;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>The CLI ingest is killed hard, mid-file, at random points: the database stays sound, the previous
/// version stays readable, and the next ingest of the same file completes.</summary>
public sealed class CrashTests
{
    private const int Rows = 100_000;

    [Fact]
    public async Task KillingAnIngestMidFileLosesNothing()
    {
        using var db = new TempDatabase();
        Assert.Equal(IngestStatus.Succeeded, (await db.IngestTextAsync(Csv.Of(200, ("1", 7), ("2", 8)), "crash")).Status);
        var before = db.Store.FindDataset("crash");
        var csv = Path.Combine(db.Folder, "big.csv");
        await File.WriteAllLinesAsync(csv, Enumerable.Range(0, Rows).Select(i => Csv.Row(i.ToString(CultureInfo.InvariantCulture), Enumerable.Repeat(i % 256, 200)))
            .Prepend(Csv.Header(200)));
        var random = new Random(20261127);

        for (var attempt = 0; attempt < 3; attempt++)
        {
            // The CLI reads the CSV from a pipe that is fed only part of the file, so when it is killed it is
            // certainly mid-ingest, with thousands of rows already written into its uncommitted version.
            var fed = 8_000 + random.Next(0, 50_000);
            using var cli = db.StartCli("ingest", "-", "--dataset", "crash", "--chunk-size", "2000");
            foreach (var line in File.ReadLines(csv).Take(fed + 1)) await cli.StandardInput.WriteLineAsync(line);
            await cli.StandardInput.FlushAsync();
            var written = 0;
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            // Redirected, the CLI prints "<MB> MB, <rows> rows, <rate> rows/s" once a second while rows arrive.
            while (written < fed - 2_000 && await cli.StandardError.ReadLineAsync(patience.Token) is { } progress)
                written = int.Parse(progress.Split(", ")[1].Split(' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            Assert.False(cli.HasExited, $"attempt {attempt}: the CLI exited before it was killed");
            cli.Kill(entireProcessTree: true);
            await cli.WaitForExitAsync();

            Assert.Equal("ok", db.Scalar("PRAGMA integrity_check"));
            Assert.Equal(before, db.Store.FindDataset("crash"));
            Assert.Equal([1.0, 2.0], db.Store.ReadFrames("crash", DepthRange.All, 10, 0)!.Depths.ToArray());
            Assert.True(db.StoredRows() > 2); // the killed ingest's committed batches

            // What the app's start-up (and each reconcile sweep) does: the dead writer's version is removed.
            Assert.Equal(1, db.Store.RemoveAbandonedIngests(TimeSpan.Zero));
            Assert.Equal(2L, db.StoredRows());
            Assert.StartsWith("abandoned", db.Store.IngestionLog("crash")[0].Error);
        }

        using var finish = db.StartCli("ingest", csv, "--dataset", "crash");
        var output = await finish.StandardOutput.ReadToEndAsync();
        await finish.WaitForExitAsync();
        Assert.True(finish.ExitCode == 0, output + await finish.StandardError.ReadToEndAsync());
        Assert.StartsWith("succeeded", output);
        Assert.Equal(Rows, db.Store.FindDataset("crash")!.RowCount);
        Assert.Equal("ok", db.Scalar("PRAGMA integrity_check"));
    }
}
