using System.Text;
using ImageFrames.Functions;
using Microsoft.Extensions.Logging;
using ImageFrames.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageFrames.Tests;

/// <summary>Re-delivery, concurrent ingests, readers during an ingest and hostile query strings.</summary>
public sealed class ReliabilityTests
{
    [Fact]
    public async Task TheSameFileDeliveredConcurrentlyIsStoredOnce()
    {
        using var db = new TempDatabase();
        var csv = Encoding.UTF8.GetBytes(Csv.Header(200) + "\n" + string.Join("\n", Enumerable.Range(0, 20_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(i % 256, 200)))) + "\n");
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => db.IngestBytesAsync(csv, "same"))));
        Assert.Equal(1, results.Count(r => r.Status == IngestStatus.Succeeded));
        Assert.Equal(2, results.Count(r => r.Status == IngestStatus.Unchanged));
        Assert.Equal(20_000, db.Store.ReadFrames("same", DepthRange.All, 1, 0)!.Total);
    }

    [Fact]
    public async Task ReadersDuringAReingestSeeWhollyTheOldOrWhollyTheNewVersion()
    {
        using var db = new TempDatabase();
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

    [Fact]
    public async Task NoGeneratedQueryStringProducesA500()
    {
        using var http = new HttpHarness();
        await http.Db.IngestTextAsync(Csv.Of(200, ("1", 1), ("2", 2), ("3", 3)), "fuzz");
        var random = new Random(1234);
        string[] names = ["dataset", "depth_min", "depth_max", "limit", "offset", "colormap", "rescale", "format", "height", "x"];
        string[] values = ["", "0", "-1", "1e308", "1e-400", "NaN", "-Infinity", "9999999999999999999999", "%00", "%FF%FE", "'; DROP TABLE frames;--",
            "fuzz", "FUZZ", "..%2F..%2Fetc", "0:000000,255:ffffff", "viridis_r", "10,5", "png", "webp", "jpeg", "gif", "１２３", "💥", new string('9', 5000), "1,2,3", "0x10", " 5 "];
        var routes = new Func<HttpFunctions, Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult>[]
        {
            (f, q) => f.GetFrames(q), (f, q) => f.GetFramesImage(q), (f, q) => f.GetColormap(q, "viridis"),
            (f, q) => f.GetDataset(q, "fuzz"), (f, q) => f.ListDatasets(q), (f, q) => f.CacheStats(q),
            (f, q) => f.Health(q).Result, (f, q) => f.ListColormaps(q), (f, q) => f.OpenApi(q), (f, q) => f.DocsPage(q),
        };
        for (var i = 0; i < 11 * 1_000; i++) // 1,000 generated query strings per GET route
        {
            var parts = Enumerable.Range(0, random.Next(0, 6)).Select(_ => $"{names[random.Next(names.Length)]}={Uri.EscapeDataString(Uri.UnescapeDataString(values[random.Next(values.Length)]))}");
            var query = string.Join("&", parts);
            var r = await http.GetAsync(routes[i % routes.Length], query);
            Assert.True(r.Status is 200 or 304 or 400 or 404, $"{r.Status} for ?{query}: {r.Text}");
            if (r.Status == 400) Assert.Equal("application/problem+json", r.ContentType);
            Assert.DoesNotContain("   at ", r.Text); // never a stack trace
        }
    }
}

public sealed class WriteLockTests
{
    /// <summary>While another connection holds the write lock past the busy timeout, an ingest fails with a
    /// retryable error (so the host retries it later) instead of hanging with its parser stalled; once the
    /// lock is free the retry succeeds.</summary>
    [Fact]
    public async Task AnIngestThatCannotGetTheWriteLockFailsInsteadOfHanging()
    {
        using var db = new TempDatabase(o => { o.BusyTimeoutSeconds = 1; o.ChunkSize = 10; });
        await db.IngestTextAsync(Csv.Of(2, ("0", 0)), "other");
        using var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db.Options.DatabasePath};Pooling=False");
        blocker.Open();
        using var hold = blocker.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock
        var rows = Csv.Header(2) + "\n" + string.Join("\n", Enumerable.Range(0, 1000).Select(i => $"{i},1,2")) + "\n";

        var ingest = db.IngestTextAsync(rows, "locked");

        var failure = await Assert.ThrowsAsync<Ingest.IngestFailedException>(() => ingest.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(failure.InnerException);
        Assert.Null(db.Store.FindDataset("locked"));

        hold.Rollback(); // the fault clears: the host's retry of the same content now succeeds
        Assert.Equal(IngestStatus.Succeeded, (await db.IngestTextAsync(rows, "locked")).Status);
        Assert.Equal(1000, db.Store.FindDataset("locked")!.RowCount);
    }
}

public sealed class SecurityTests
{
    [Fact]
    public async Task QuoteLadenNamesAreDataNotSql()
    {
        using var http = new HttpHarness(o => o.AdminToken = "t0ken-t0ken-t0ken");
        await http.Db.IngestTextAsync(Csv.Of(2, ("1", 1)), "kept");
        var source = "it's'); DELETE FROM datasets;--.csv";
        using (var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Csv.Of(2, ("1", 1)))))
            Assert.Equal(IngestStatus.Rejected, (await http.Db.Ingest.IngestAsync(stream, null, source)).Status);
        Assert.Equal(source, http.Db.Store.IngestionLog()[0].Source); // stored verbatim through a parameter

        foreach (var id in new[] { "kept' OR '1'='1", "x'; DROP TABLE frames;--", "\"kept\"" })
        {
            Assert.Equal(400, (await http.GetAsync((f, q) => f.GetDataset(q, id))).Status);
            var delete = HttpHarness.Request("DELETE", headers: new Dictionary<string, string> { ["X-Admin-Token"] = "t0ken-t0ken-t0ken" });
            Assert.Equal(400, (await HttpHarness.SendAsync(delete, http.Admin.DeleteDataset(delete, id))).Status);
        }
        Assert.Equal(["kept"], http.Db.Store.ListDatasets().Select(d => d.Id));
        Assert.Equal(1, http.Db.Store.ReadFrames("kept", DepthRange.All, 10, 0)!.Total);
    }

    /// <summary>The function app's own container (every registration, Trace-level logging) handles admin
    /// requests that succeed, get rejected, carry a wrong token, and fail inside the store (the error path logs
    /// the request): no log line carries the token.</summary>
    [Fact]
    public async Task TheAdminTokenNeverReachesTheLogs()
    {
        const string token = "super-secret-admin-token-4711-0123456789";
        var logs = new CapturingLoggerProvider();
        using var db = new TempDatabase();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FRAMES_DB_PATH"] = db.Options.DatabasePath,
            ["ADMIN_TOKEN"] = token,
        }).Build();
        await using var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace))
            .AddImageFramesFunctions(configuration)
            .BuildServiceProvider();
        var admin = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<AdminFunctions>(services);

        async Task Post(string given, string body)
        {
            var request = HttpHarness.Request("POST", $"token={token}", new Dictionary<string, string> { ["X-Admin-Token"] = given }, System.Text.Encoding.UTF8.GetBytes(body));
            await HttpHarness.SendAsync(request, await admin.IngestDataset(request, "logged"));
        }
        await Post(token, Csv.Of(2, ("1", 1)));
        await Post(token, "depth,a\n1,x\n");
        await Post(token + "-wrong", "x");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(db.Options.DatabasePath);
        Directory.CreateDirectory(db.Options.DatabasePath); // the database cannot be opened: the failure path logs the request
        await Post(token, Csv.Of(2, ("1", 2)));

        Assert.Contains(logs.Messages, m => m.Contains("logged")); // the ingest lines were captured
        Assert.Contains(logs.Messages, m => m.Contains("failed"));
        Assert.DoesNotContain(logs.Messages, m => m.Contains("secret-admin-token"));
    }

    private sealed class CapturingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception) + exception);
        public void Dispose() { }
    }
}
