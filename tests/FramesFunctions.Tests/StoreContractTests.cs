using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using ImageFrames.Configuration;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// The store's contract, proven on both stores by the same tests: a SQLite file and a PostgreSQL database on a
/// real server. Versions publish atomically, the same content is stored once, rows arrive in any order, an
/// overview level serves tall pictures, ingests interleave, and what a killed ingest leaves is removed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StoreContractTests(PostgresFixture server)
{
    public static TheoryData<string> Stores => TempDatabase.StoreKinds;

    private Task<TempDatabase> OpenAsync(string store, Action<FramesOptions>? configure = null) => TempDatabase.OfKindAsync(store, server, configure);

    [Theory, MemberData(nameof(Stores))]
    public async Task SameContentAgainIsUnchangedAndStoresRowsOnce(string store)
    {
        using var db = await OpenAsync(store);
        var csv = Csv.Of(200, ("1", 5), ("2", 6));
        Assert.Equal(IngestStatus.Succeeded, (await db.IngestTextAsync(csv)).Status);
        var version = db.Store.FindDataset("test")!.Version;
        Assert.Equal(IngestStatus.Unchanged, (await db.IngestTextAsync(csv)).Status);
        Assert.Equal(IngestStatus.Unchanged, (await db.IngestTextAsync(csv)).Status);

        Assert.Equal(version, db.Store.FindDataset("test")!.Version);
        Assert.Equal(2L, db.StoredRows());
        Assert.Equal(["unchanged", "unchanged", "succeeded"], db.Store.IngestionLog("test").Select(e => e.Status));
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task NewContentReplacesTheOldVersionWhole(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(200, ("1", 5), ("2", 6), ("3", 7)));
        await db.IngestTextAsync(Csv.Of(200, ("10", 50), ("20", 60)));
        var frames = db.Store.ReadFrames("test", DepthRange.All, int.MaxValue, 0)!;
        Assert.Equal([10.0, 20.0], frames.Depths.ToArray());
        Assert.Equal(2L, db.StoredRows()); // the old version's rows are gone, not orphaned
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task ARejectedFileLeavesThePreviousVersionIntact(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(200, ("1", 5), ("2", 6)));
        var before = db.Store.FindDataset("test")!;
        // Valid for 3,000 rows, then a bad value: the ingest has written thousands of rows before it fails.
        var rows = Enumerable.Range(0, 3000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(9, 200)));
        var bad = Csv.Header(200) + "\n" + string.Join("\n", rows) + "\n3000," + string.Join(",", Enumerable.Repeat("300", 200)) + "\n";

        var result = await db.IngestTextAsync(bad);

        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.StartsWith("line 3002, column 2", result.Error);
        Assert.Equal(before, db.Store.FindDataset("test"));
        var frames = db.Store.ReadFrames("test", DepthRange.All, int.MaxValue, 0)!;
        Assert.Equal([1.0, 2.0], frames.Depths.ToArray());
        Assert.Equal(2L, db.StoredRows());
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task ReadersKeepSeeingTheOldVersionUntilTheNewOneCommits(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(200, ("1", 5)));
        var writer = db.Store.BeginIngest("test", "test.csv", DateTimeOffset.UtcNow);
        var batch = new Parse.FrameBatch(1, 150) { Count = 1 };
        batch.Depths[0] = 99;
        batch.Lines[0] = 2;
        writer.Write(batch);
        Assert.Equal([1.0], db.Store.ReadFrames("test", DepthRange.All, 10, 0)!.Depths.ToArray()); // mid-ingest
        writer.Publish(new DatasetContent("test.csv", 1, "new", 200, 150, "area", 1, 0, 99, 99), DateTimeOffset.UtcNow);
        writer.Dispose();
        Assert.Equal([99.0], db.Store.ReadFrames("test", DepthRange.All, 10, 0)!.Depths.ToArray());
    }

    /// <summary>Curves (DLIS/LAS) are chunks of their own pseudo-level: read back by depth window from the visible
    /// version, and purged with it when a new version replaces it; the overview levels never count them.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task CurvesAreReadByDepthFromTheirVersionAndPurgedWithIt(string store)
    {
        using var db = await OpenAsync(store);
        void Ingest(string sha, int rows, double scale)
        {
            using var writer = db.Store.BeginIngest("logged", "logged.dlis", DateTimeOffset.UtcNow);
            writer.Write(Batch([.. Enumerable.Range(0, rows).Select(i => (double)i)]));
            writer.WriteCurves(2, each =>
            {
                for (var i = 0; i < rows; i++) each(i, [i * scale, i % 5 == 0 ? double.NaN : -i]);
            });
            writer.Publish(new DatasetContent("logged.dlis", 1, sha, 150, 150, "area", rows, 0, 0, rows - 1), DateTimeOffset.UtcNow);
        }
        Ingest("first", 2500, 1);
        Ingest("second", 3000, 10);

        var window = db.Store.ReadCurves("logged", new DepthRange(1020.5, 2050), 10_000, _ => 2)!;
        Assert.Equal(Enumerable.Range(1021, 1030).Select(i => (double)i), window.Depths);
        Assert.Equal(Enumerable.Range(1021, 1030).Select(i => i * 10.0), Enumerable.Range(0, window.Depths.Length).Select(r => window.Value(r, 0)));
        Assert.Equal(Enumerable.Range(1021, 1030).Select(i => i % 5 == 0 ? double.NaN : -i), Enumerable.Range(0, window.Depths.Length).Select(r => window.Value(r, 1)));
        Assert.Equal(3000, db.Store.ReadCurves("logged", DepthRange.All, 2999, _ => 2)!.Total); // over the bound: counted, not read
        Assert.Empty(db.Store.ReadCurves("logged", DepthRange.All, 2999, _ => 2)!.Depths);
        Assert.Equal([3000], db.Store.LevelRows("logged"));
        Assert.Equal(3000L, Convert.ToInt64(db.Scalar($"SELECT sum(row_count) FROM chunks WHERE level = {Store.Chunks.CurveLevel}")));
    }

    /// <summary>A streamed window's headers are written before its rows are read: its first and last depths come from
    /// the chunks holding them, whether the window starts, ends or lies within a chunk or spans several.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task AStreamedWindowKnowsItsFirstAndLastDepthBeforeItsRowsAreRead(string store)
    {
        using var db = await OpenAsync(store);
        var csv = Csv.Header(150) + "\n" + string.Join("\n", Enumerable.Range(0, 3000).Select(i => Csv.Row((i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture), Enumerable.Repeat(i % 256, 150)))) + "\n";
        await db.IngestTextAsync(csv);
        foreach (var (min, max) in new (double?, double?)[] { (null, null), (0, 511.5), (512, 1023.5), (100.2, 100.7), (511.5, 512), (1000, null), (null, 0) })
        {
            using var frames = db.Store.StreamFrames("test", new DepthRange(min, max))!;
            var depths = frames.Pages().SelectMany(p => p.Depths.ToArray()).ToList();
            Assert.Equal((depths[0], depths[^1]), frames.DepthBounds());
        }
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task TheSameFileDeliveredConcurrentlyIsStoredOnce(string store)
    {
        using var db = await OpenAsync(store);
        var csv = Encoding.UTF8.GetBytes(Csv.Header(200) + "\n" + string.Join("\n", Enumerable.Range(0, 20_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(i % 256, 200)))) + "\n");
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => db.IngestBytesAsync(csv, "same"))));
        Assert.Equal(1, results.Count(r => r.Status == IngestStatus.Succeeded));
        Assert.Equal(2, results.Count(r => r.Status == IngestStatus.Unchanged));
        Assert.Equal(20_000, db.Store.ReadFrames("same", DepthRange.All, 1, 0)!.Total);
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task ReadersDuringAReingestSeeWhollyTheOldOrWhollyTheNewVersion(string store)
    {
        using var db = await OpenAsync(store);
        string Version(int value) => Csv.Header(200) + "\n" + string.Join("\n", Enumerable.Range(0, 100_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(value, 200)))) + "\n";
        await db.IngestTextAsync(Version(10), "live");
        var ingest = Task.Run(() => db.IngestTextAsync(Version(20), "live"));
        var seen = new HashSet<int>();
        while (!ingest.IsCompleted)
        {
            var window = db.Store.ReadFrames("live", new DepthRange(100, 99_900), 1000, 0)!;
            Assert.Equal(99_801, window.Total);
            var first = window.Row(0)[0];
            Assert.All(window.Pixels.ToArray(), v => Assert.Equal(first, v)); // never a mix of versions
            seen.Add(first);
        }
        Assert.Equal(IngestStatus.Succeeded, (await ingest).Status);
        Assert.Contains(10, seen);
        Assert.Equal(20, db.Store.ReadFrames("live", DepthRange.All, 1, 0)!.Row(0)[0]);
    }

    /// <summary>Two hundred random windows, pages and bounds (on rows, between rows, outside the data) against
    /// a plain LINQ answer over the same rows.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task WindowsTotalsAndPagesMatchAPlainScan(string store)
    {
        using var db = await OpenAsync(store, o => { o.ChunkSize = 500; o.TargetWidth = 4; });
        var depths = await IngestOrderedAsync(db, "scan", Enumerable.Range(0, 3000));
        var random = new Random(11);
        double? Bound() => random.Next(5) switch
        {
            0 => null,
            1 => depths[random.Next(depths.Length)],                 // exactly on a row
            2 => depths[random.Next(depths.Length)] + 0.01,          // between rows
            3 => random.Next(2) == 0 ? -100 : 1e6,                   // outside the data
            _ => random.NextDouble() * 2200,
        };
        for (var i = 0; i < 200; i++)
        {
            var range = new DepthRange(Bound(), Bound());
            var (limit, offset) = (random.Next(1, 1500), random.Next(0, 3) == 0 ? 0 : random.Next(0, 2500));
            var expected = depths.Where(d => d >= (range.Min ?? double.NegativeInfinity) && d <= (range.Max ?? double.PositiveInfinity)).ToArray();
            var window = db.Store.ReadFrames("scan", range, limit, offset)!;
            Assert.Equal(expected.Length, window.Total);
            Assert.Equal(expected.Skip(offset).Take(limit).ToArray(), window.Depths.ToArray());
            for (var r = 0; r < window.Count; r++)
                Assert.Equal(Array.IndexOf(depths, window.Depths[r]) % 256, window.Row(r)[0]);
        }
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task RowsInAnyOrderAreStoredSorted(string store)
    {
        using var db = await OpenAsync(store, o => { o.ChunkSize = 500; o.TargetWidth = 4; });
        var shuffled = Enumerable.Range(0, 3000).OrderBy(i => (i * 7919) % 3001).ToArray();
        var depths = await IngestOrderedAsync(db, "shuffled", shuffled);
        // Sorted for 1,700 rows (three chunks written), then one row out of order: what was written moves to staging.
        var late = await IngestOrderedAsync(db, "late", Enumerable.Range(0, 1700).Append(2999).Concat(Enumerable.Range(1700, 1299)));

        foreach (var dataset in new[] { "shuffled", "late" })
        {
            var all = db.Store.ReadFrames(dataset, DepthRange.All, int.MaxValue, 0)!;
            Assert.Equal(depths, all.Depths.ToArray());
            for (var r = 0; r < all.Count; r++) Assert.Equal(r % 256, all.Row(r)[0]);
        }
        Assert.Equal(depths, late);
        Assert.Equal(0L, db.Scalar("SELECT count(*) FROM staging")); // chunked and cleared
    }

    /// <summary>Levels ×4 by exact area average until one has at most 4,096 rows; a tall picture of a long
    /// window reads the coarsest level that still has the rows it needs.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task OverviewLevelsAreExactAreaAveragesAndServeTallPictures(string store)
    {
        using var db = await OpenAsync(store, o => { o.ChunkSize = 500; o.TargetWidth = 4; });
        var width = 4;
        var lines = Enumerable.Range(0, 20_000).Select(i => Csv.Row((i / 10.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture), Enumerable.Range(0, width).Select(x => Grey(i, x))));
        await db.IngestTextAsync(Csv.Header(width) + "\n" + string.Join("\n", lines) + "\n", "long");
        var version = db.Store.FindDataset("long")!.Version;
        Assert.Equal([20_000, 5_000, 1_250], db.Store.LevelRows("long"));
        var stored = (long)db.Scalar("SELECT sum(row_count) FROM levels WHERE level > 0")!;
        Assert.True(stored <= 0.35 * 20_000, $"overviews hold {stored} rows");

        var (overview, level, baseRows) = db.Store.ReadForHeight("long", DepthRange.All, 1_000, 100_000)!.Value;
        Assert.Equal((2, 1_250, 20_000), (level, overview.Count, baseRows));
        // Level 2 row 7 averages level-1 rows 28..31, each the average of 4 base rows: 16 base rows 112..127.
        var expected = Enumerable.Range(0, width).Select(x =>
        {
            var level1 = Enumerable.Range(28, 4).Select(j => (Enumerable.Range(4 * j, 4).Sum(i => Grey(i, x)) + 2) / 4).ToArray();
            return (byte)((level1.Sum() + 2) / 4);
        }).ToArray();
        Assert.Equal(expected, overview.Row(7).ToArray());
        Assert.Equal(Enumerable.Range(112, 16).Average(i => i / 10.0), overview.Depths[7], 9);

        Assert.Equal(1, db.Store.ReadForHeight("long", new DepthRange(0, 999.9), 1_000, 100_000)!.Value.Level); // 10,000 rows: level 1 has 2,500
        Assert.Equal(0, db.Store.ReadForHeight("long", new DepthRange(0, 99.9), 1_000, 100_000)!.Value.Level);  // 1,000 rows: only level 0 has them

        static int Grey(int i, int x) => x switch { 0 => i % 256, 1 => i * 3 % 256, 2 => 255 - i % 256, _ => i / 100 % 256 };
    }

    /// <summary>An ingest whose input stalls (a slow client, a slow blob) must not hold the write lock: other
    /// ingests, a rejected file's log entry and a delete all complete meanwhile, within a 3 s busy timeout;
    /// the stalled version stays invisible until it is published.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task AStalledIngestHoldsNobodyUp(string store)
    {
        using var db = await OpenAsync(store, o => { o.BusyTimeoutSeconds = 3; o.ChunkSize = 100; });
        await db.IngestTextAsync(Csv.Of(4, ("1", 1)), "doomed");
        var pipe = new Pipe();
        var slow = Task.Run(() => db.Ingest.IngestAsync(pipe.Reader.AsStream(), "slow", "slow.csv"));
        var rows = Csv.Header(4) + "\n" + string.Join("\n", Enumerable.Range(0, 2500).Select(i => Csv.Row(i.ToString(), [i % 256, 1, 2, 3]))) + "\n";
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(rows)); // two full chunks committed, then the client stalls
        await WaitUntil(() => db.StoredRows() >= 2 * Chunks.Rows);

        Assert.Equal(IngestStatus.Succeeded, (await db.IngestTextAsync(Csv.Of(4, ("5", 5)), "other").WaitAsync(TimeSpan.FromSeconds(30))).Status);
        Assert.Equal(IngestStatus.Rejected, (await db.IngestTextAsync("depth,a\n1,300\n", "bad").WaitAsync(TimeSpan.FromSeconds(30))).Status);
        Assert.Equal("rejected", db.Store.IngestionLog("bad")[0].Status);
        Assert.True(db.Store.DeleteDataset("doomed"));
        Assert.Null(db.Store.FindDataset("slow")); // written rows are not visible yet

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("2500,1,2,3,4\n"));
        await pipe.Writer.CompleteAsync();
        var result = await slow.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(IngestStatus.Succeeded, result.Status);
        Assert.Equal(2501, db.Store.FindDataset("slow")!.RowCount);
        Assert.Equal(2501 + 1, db.StoredRows()); // "other"'s row, nothing left of "doomed"
    }

    /// <summary>A version whose writer died (its heartbeat is older than FRAMES_ABANDONED_AFTER_SECONDS) is
    /// logged as failed and its rows removed; a live writer's version is left alone.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task AbandonedVersionsAreRemovedAndLiveOnesKept(string store)
    {
        using var db = await OpenAsync(store, o => { o.BusyTimeoutSeconds = 3; o.ChunkSize = 100; });
        await db.IngestTextAsync(Csv.Of(150, ("1", 1)), "kept");
        using var abandoned = db.Store.BeginIngest("ghost", "ghost.csv", DateTimeOffset.UtcNow);
        abandoned.Write(Batch(Enumerable.Range(0, 1500).Select(i => (double)i).ToArray())); // one full chunk committed
        // The ghost's heartbeat 3 s old, the live writer's fresh: under a loaded machine its chunk may take a second or
        // more to write (a 1 s cut-off once caught it too), so the cut-off leaves it 2 s.
        await Task.Delay(TimeSpan.FromSeconds(3));
        using var live = db.Store.BeginIngest("alive", "alive.csv", DateTimeOffset.UtcNow);
        live.Write(Batch(Enumerable.Range(0, 1500).Select(i => (double)i).ToArray()));
        Assert.Equal(1 + 2 * Chunks.Rows, db.StoredRows());

        var removed = db.Store.RemoveAbandonedIngests(TimeSpan.FromSeconds(2));

        Assert.Equal(1, removed);
        Assert.Equal(1 + Chunks.Rows, db.StoredRows()); // "kept" and the live writer's chunk
        var ghost = db.Store.IngestionLog("ghost")[0];
        Assert.Equal("failed", ghost.Status);
        Assert.Contains("abandoned", ghost.Error);
        // The abandoned writer cannot come back and publish a half-deleted version.
        Assert.ThrowsAny<Exception>(() => abandoned.Write(Batch(2000)));
        Assert.Null(db.Store.FindDataset("ghost"));
    }

    [Theory]
    [InlineData("sqlite", "1,1,1\n2,2,2\n2,3,3\n", "duplicate depth 2: already on line 3", "line 4")]   // sorted: adjacent
    [InlineData("sqlite", "5,1,1\n2,2,2\n5,3,3\n", "duplicate depth 5: already on line 2", "line 4")]   // unsorted: staged
    [InlineData("postgres", "1,1,1\n2,2,2\n2,3,3\n", "duplicate depth 2: already on line 3", "line 4")]   // sorted: adjacent
    [InlineData("postgres", "5,1,1\n2,2,2\n5,3,3\n", "duplicate depth 5: already on line 2", "line 4")]   // unsorted: staged
    public async Task DuplicateDepthsNameBothLines(string store, string rows, string message, string where)
    {
        using var db = await OpenAsync(store, o => { o.ChunkSize = 500; o.TargetWidth = 4; });
        var result = await db.IngestTextAsync("depth,a,b\n" + rows, "dup");
        Assert.Equal(IngestStatus.Rejected, result.Status);
        Assert.Contains(message, result.Error);
        Assert.StartsWith(where, result.Error);
    }

    /// <summary>
    /// Two writers of the same content reach their publish at the same moment (both held at the database until
    /// both wait, then let go together): exactly one publishes and the other finds it unchanged. On PostgreSQL
    /// this needs the per-dataset advisory lock; without it both read "no dataset yet" and both publish.
    /// </summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task SimultaneousPublishesOfTheSameContentPublishOnce(string store)
    {
        using var db = await OpenAsync(store, o => o.BusyTimeoutSeconds = 30);
        var writers = new[] { "a.csv", "b.csv" }.Select(source =>
        {
            var writer = db.Store.BeginIngest("twice", source, DateTimeOffset.UtcNow);
            writer.Write(Batch(1, 2, 3));
            return writer;
        }).ToArray();
        var content = new DatasetContent("same.csv", 10, "same-sha", 150, 150, "area", 3, 0, 1, 3);
        PublishOutcome[] outcomes;
        using (var gate = db.Hold())
        {
            var publishes = writers.Select(writer => Task.Run(() => writer.Publish(content, DateTimeOffset.UtcNow))).ToArray();
            await gate.WaitForWaitersAsync(2);
            gate.Release();
            outcomes = await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(60));
        }
        foreach (var writer in writers) writer.Dispose();
        Assert.Equal([PublishOutcome.Published, PublishOutcome.Unchanged], outcomes.Order());
        Assert.Equal(1, db.Store.IngestionLog("twice").Count(e => e.Status == "succeeded"));
        Assert.Equal(3L, db.StoredRows());
    }

    /// <summary>A request locates the visible version (its cache key) and reads that version's rows; once another
    /// ingest has replaced and purged it, the read says so (null) instead of answering with missing rows, and the
    /// caller locates again.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task AReadOfAReplacedVersionSaysItIsGone(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(150, ("1", 1), ("2", 1)), "moving");
        var first = db.Store.Locate("moving", DepthRange.All)!;
        Assert.Equal([1.0, 2.0], db.Store.ReadLocated(first, 10, 0)!.Depths.ToArray());
        Assert.Equal((0, 2), (first.Start, first.End));

        await db.IngestTextAsync(Csv.Of(150, ("5", 2), ("6", 2), ("7", 2)), "moving");
        var second = db.Store.Locate("moving", new DepthRange(5.5, 100))!;

        Assert.Null(db.Store.ReadLocated(first, 10, 0));
        Assert.NotEqual(first.Dataset.Version, second.Dataset.Version);
        Assert.Equal([6.0, 7.0], db.Store.ReadLocated(second, 10, 0)!.Depths.ToArray());
        Assert.Equal([7.0], db.Store.ReadLocated(second, 10, 1)!.Depths.ToArray());
        Assert.Null(db.Store.Locate("nothing", DepthRange.All));
    }

    /// <summary>Instances that start at once against a new database all find the schema ready; it was created once.</summary>
    [Theory, MemberData(nameof(Stores))]
    public async Task InstancesStartingTogetherCreateTheSchemaOnce(string store)
    {
        using var db = await OpenAsync(store);
        var instances = Enumerable.Range(0, 8).Select(_ => db.OpenAnother()).ToArray();
        try
        {
            var counts = await Task.WhenAll(instances.Select(instance => Task.Run(instance.CountDatasets)));
            Assert.All(counts, count => Assert.Equal(0, count));
            Assert.Equal(IngestStatus.Succeeded, (await db.IngestTextAsync(Csv.Of(150, ("1", 1)))).Status);
            Assert.All(instances, instance => Assert.Equal("test", Assert.Single(instance.ListDatasets()).Id));
        }
        finally
        {
            foreach (var instance in instances) instance.Dispose();
        }
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task DeletingADatasetRemovesItAndItsRows(string store)
    {
        using var db = await OpenAsync(store);
        await db.IngestTextAsync(Csv.Of(150, ("1", 1), ("2", 2)), "gone");
        await db.IngestTextAsync(Csv.Of(150, ("1", 1)), "kept");
        Assert.True(db.Store.DeleteDataset("gone"));
        Assert.False(db.Store.DeleteDataset("gone"));
        Assert.Null(db.Store.FindDataset("gone"));
        Assert.Equal(1L, db.StoredRows());
        Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT count(*) FROM retired_versions")));
        Assert.Equal("kept", Assert.Single(db.Store.ListDatasets()).Id);
    }

    /// <summary>Rows whose depths are irregular and whose grey encodes their index, ingested in the given order.</summary>
    private static async Task<double[]> IngestOrderedAsync(TempDatabase db, string dataset, IEnumerable<int> order, int width = 4)
    {
        var depths = Enumerable.Range(0, 3000).Select(i => Math.Round(i * 0.7 + (i % 7) * 0.05, 2)).ToArray();
        var csv = Csv.Header(width) + "\n" + string.Join("\n", order.Select(i => Csv.Row(depths[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture), Enumerable.Repeat(i % 256, width)))) + "\n";
        Assert.Equal(IngestStatus.Succeeded, (await db.IngestTextAsync(csv, dataset)).Status);
        return depths;
    }

    private static Parse.FrameBatch Batch(params double[] depths)
    {
        var batch = new Parse.FrameBatch(depths.Length, 150) { Count = depths.Length };
        for (var i = 0; i < depths.Length; i++) (batch.Depths[i], batch.Lines[i]) = (depths[i], i + 2);
        return batch;
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "timed out waiting");
            await Task.Delay(20);
        }
    }
}
