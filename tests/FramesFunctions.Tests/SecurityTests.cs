using ImageFrames.Functions;
using ImageFrames.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Tests;

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
        // The database cannot be opened: the failure path logs the request. An ended ingest's checkpoint runs on a
        // thread of its own and may open (so create) the file again just after it is deleted: retry until it stays.
        for (var attempt = 1; ; attempt++)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(db.Options.DatabasePath);
            try
            {
                Directory.CreateDirectory(db.Options.DatabasePath);
                break;
            }
            catch (IOException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
        await Post(token, Csv.Of(2, ("1", 2)));

        Assert.Contains(logs.Messages, m => m.Contains("logged")); // the ingest lines were captured
        Assert.Contains(logs.Messages, m => m.Contains("failed"));
        Assert.DoesNotContain(logs.Messages, m => m.Contains("secret-admin-token"));
    }
}
