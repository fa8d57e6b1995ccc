using System.Text;
using ImageFrames.Configuration;
using ImageFrames.Functions;
using ImageFrames.Ingest;
using ImageFrames.Serve;
using ImageFrames.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>
/// What only a shared server store must do: answer exactly as SQLite does, let other processes and instances see
/// each new version at once and ingest each file once, and fail cleanly — a 503, a retry, exit 1 — naming the
/// database but never its password when it is unreachable or refuses the credentials.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresFixture server)
{
    [Fact]
    public async Task EveryQueryAnswersByteForByteAsSqliteDoes()
    {
        using var sqlite = new TempDatabase();
        using var postgres = await TempDatabase.PostgresAsync(server);
        Assert.Equal(IngestStatus.Succeeded, (await sqlite.IngestFileAsync(TestPaths.SampleCsv)).Status);
        Assert.Equal(IngestStatus.Succeeded, (await postgres.IngestFileAsync(TestPaths.SampleCsv)).Status);
        var (a, b) = (Api(sqlite), Api(postgres));
        foreach (var query in new[]
                 {
                     "", "depth_min=9100&depth_max=9110", "depth_min=9200.05&limit=1000&offset=17", "depth_max=9000", "colormap=viridis&limit=3",
                 })
            Assert.Equal(Frames(a.Frames(Query(query))), Frames(b.Frames(Query(query))));
        foreach (var query in new[] { "", "height=100", "height=3000&format=webp", "depth_min=9300&depth_max=9301.5&format=jpeg", "colormap=inferno&rescale=20,200" })
        {
            var (x, y) = (a.FramesImage(Query(query)), b.FramesImage(Query(query)));
            Assert.Equal((200, x.Headers!["X-Frame-Count"], x.Headers["X-Overview-Level"]), (y.Status, y.Headers!["X-Frame-Count"], y.Headers["X-Overview-Level"]));
            Assert.Equal(x.Body, y.Body);
        }

        // The frames of a response, without the dataset's metadata (its version and ingest time differ by store).
        static string Frames(ApiResponse response)
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(response.Body)!.AsObject();
            json.Remove("dataset");
            return json.ToJsonString();
        }
    }

    /// <summary>Another process (the CLI, as another instance would) publishes a new version; this process, whose
    /// cache holds the old answer and which was told nothing, answers the new version on its next request.</summary>
    [Fact]
    public async Task AVersionPublishedByAnotherProcessIsServedOnTheNextRequest()
    {
        using var db = await TempDatabase.PostgresAsync(server);
        await db.IngestTextAsync(Csv.Of(200, ("1", 10), ("2", 10)), "shared");
        var api = Api(db);
        var changed = 0;
        db.Store.DatasetChanged += _ => changed++;
        var before = api.Frames(Query("dataset=shared"));
        Assert.Equal(before.Body, api.Frames(Query("dataset=shared")).Body); // now cached

        var csv = Path.Combine(db.Folder, "v2.csv");
        await File.WriteAllTextAsync(csv, Csv.Of(200, ("1", 20), ("2", 20), ("3", 20)));
        var (exit, output, _) = await db.RunCliAsync("ingest", csv, "--dataset", "shared");
        Assert.Equal((0, "succeeded"), (exit, output.Split(':')[0]));

        var after = api.Frames(Query("dataset=shared"));
        Assert.Equal(0, changed);
        Assert.Equal(3, System.Text.Json.JsonDocument.Parse(after.Body).RootElement.GetProperty("metadata").GetProperty("total").GetInt32());
        Assert.NotEqual(before.ETag, after.ETag);
    }

    /// <summary>Two processes ingest the same file at once: it is stored once, and the log says so.</summary>
    [Fact]
    public async Task TwoProcessesIngestingOneFileStoreItOnce()
    {
        using var db = await TempDatabase.PostgresAsync(server);
        var csv = Path.Combine(db.Folder, "both.csv");
        await File.WriteAllTextAsync(csv, Csv.Header(200) + "\n" + string.Join("\n", Enumerable.Range(0, 30_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(i % 256, 200)))) + "\n");
        var runs = await Task.WhenAll(db.RunCliAsync("ingest", csv), db.RunCliAsync("ingest", csv));

        Assert.All(runs, run => Assert.Equal(0, run.Exit));
        Assert.Equal(["succeeded", "unchanged"], runs.Select(r => r.Out.Split(':')[0]).Order());
        Assert.Equal(["succeeded", "unchanged"], db.Store.IngestionLog("both").Select(e => e.Status).Order());
        Assert.Equal(30_000L, db.StoredRows()); // the loser's version was removed
    }

    /// <summary>Two instances' reconcile sweeps over the same container at the same time: every blob is stored
    /// once (one succeeded entry each), whichever instance got there first. (Azurite of its own: this class
    /// belongs to the PostgreSQL collection.)</summary>
    [Fact]
    public async Task TwoInstancesSweepingTogetherStoreEachBlobOnce()
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            using var db = await TempDatabase.PostgresAsync(server, o => o.InputContainer = "sweep");
            var container = azurite.Blobs.GetBlobContainerClient("sweep");
            await container.CreateIfNotExistsAsync();
            for (var i = 0; i < 6; i++)
                await container.GetBlobClient($"log{i}.csv").UploadAsync(new BinaryData(Encoding.UTF8.GetBytes(
                    Csv.Header(200) + "\n" + string.Join("\n", Enumerable.Range(0, 5_000).Select(r => Csv.Row(r.ToString(), Enumerable.Repeat((r + i) % 256, 200)))) + "\n")));
            using var other = db.OpenAnother(o => o.InputContainer = "sweep");
            var sweeps = new[] { db.Store, other }.Select(store => new ReconcileService(azurite.Blobs, store,
                new IngestService(store, db.Options, db.Metrics, NullLogger<IngestService>.Instance), db.Options, TimeProvider.System, NullLogger<ReconcileService>.Instance));

            var results = await Task.WhenAll(sweeps.Select(sweep => Task.Run(() => sweep.SweepAsync(default))));

            Assert.All(results, r => Assert.Equal(0, r.Failed));
            for (var i = 0; i < 6; i++)
            {
                Assert.Equal(5_000, db.Store.FindDataset($"log{i}")!.RowCount);
                Assert.Equal(1, db.Store.IngestionLog($"log{i}").Count(e => e.Status == "succeeded"));
            }
            Assert.Equal(6 * 5_000L, db.StoredRows());
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    public static TheoryData<string> BadConnections => ["unreachable", "wrong password"];

    /// <summary>The whole app (its own service container, logging at Trace) over a database it cannot use: health
    /// is 503 naming the database, an ingest fails so that the caller retries, and no response or log line holds
    /// the password.</summary>
    [Theory, MemberData(nameof(BadConnections))]
    public async Task ABadDatabaseIsA503AndARetryAndNeverShowsThePassword(string fault)
    {
        const string password = "Pa55-never-shown-9f2";
        var connection = ConnectionString(fault, password);
        var logs = new CapturingLoggerProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FRAMES_POSTGRES"] = connection,
            ["ADMIN_TOKEN"] = new string('t', 40),
        }).Build();
        await using var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddImageFramesFunctions(configuration)
            .BuildServiceProvider();
        var functions = ActivatorUtilities.CreateInstance<HttpFunctions>(services);
        var admin = ActivatorUtilities.CreateInstance<AdminFunctions>(services);

        var health = HttpHarness.Request();
        var response = await HttpHarness.SendAsync(health, await functions.Health(health));
        Assert.Equal(503, response.Status);
        Assert.Equal(("unhealthy", "postgres", "database"),
            (response.Json.GetProperty("status").GetString(), response.Json.GetProperty("store").GetString(), response.Json.GetProperty("failing").GetString()));

        var post = HttpHarness.Request("POST", "", new Dictionary<string, string> { ["X-Admin-Token"] = new string('t', 40) }, Encoding.UTF8.GetBytes(Csv.Of(2, ("1", 1))));
        var ingest = await HttpHarness.SendAsync(post, await admin.IngestDataset(post, "retry"));
        Assert.Equal(503, ingest.Status); // an admin POST's "try again"; the blob trigger's exception makes the host retry
        await Assert.ThrowsAsync<IngestFailedException>(() =>
            services.GetRequiredService<IngestService>().IngestAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv.Of(2, ("1", 1)))), null, "frames-input/retry.csv", sameSourceOnly: true));

        Assert.DoesNotContain(password, response.Text + ingest.Text);
        Assert.NotEmpty(logs.Messages);
        Assert.DoesNotContain(logs.Messages, m => m.Contains(password));
    }

    [Theory, MemberData(nameof(BadConnections))]
    public async Task TheCliExitsOneNamingTheSettingAndNeverThePassword(string fault)
    {
        const string password = "Pa55-never-shown-9f2";
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FRAMES_POSTGRES"] = ConnectionString(fault, password) }).Build();
        foreach (var args in new[] { new[] { "datasets" }, ["ingest", TestPaths.SampleCsv] })
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            var exit = await Cli.CommandLine.RunAsync(args, stdout, stderr, settings);
            Assert.Equal(1, exit);
            Assert.Contains("FRAMES_POSTGRES (postgres://postgres@127.0.0.1:", stderr.ToString());
            Assert.DoesNotContain(password, stdout + stderr.ToString());
        }
    }

    /// <summary>A passwordless connection string with an identity: the password is the identity's access token,
    /// asked for with Azure Database for PostgreSQL's scope (here a role whose password is that "token").</summary>
    [Fact]
    public async Task APasswordlessConnectionUsesTheIdentitysAccessToken()
    {
        using var db = await TempDatabase.PostgresAsync(server);
        const string token = "eyJ0eXAiOi-fake-entra-token";
        await using (var admin = new Npgsql.NpgsqlConnection(db.Options.PostgresConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE ROLE frames_identity LOGIN PASSWORD '{token}'; GRANT ALL ON SCHEMA public TO frames_identity", admin);
            await create.ExecuteNonQueryAsync();
        }
        var passwordless = new Npgsql.NpgsqlConnectionStringBuilder(db.Options.PostgresConnectionString) { Username = "frames_identity", Password = null }.ConnectionString;
        var credential = new RecordingCredential(token);
        using var store = new PostgresFrameStore(new FramesOptions { PostgresConnectionString = passwordless }, credential);

        Assert.Equal(0, store.CountDatasets());
        Assert.Equal([PostgresFrameStore.EntraScope], credential.Scopes.Distinct());
        Assert.EndsWith("(Microsoft Entra token)", store.Location);
        // Without the identity the same string has no password to offer, and the server refuses it.
        using var without = new PostgresFrameStore(new FramesOptions { PostgresConnectionString = passwordless });
        Assert.ThrowsAny<Npgsql.NpgsqlException>(() => without.CountDatasets());
    }

    [Theory]
    [InlineData("Host=frames.postgres.database.azure.com;Database=frames;Username=id-frames", null, true)]
    [InlineData("Host=db.internal;Database=frames;Username=id-frames", "6f1c-client-id", true)]
    [InlineData("Host=localhost;Database=frames;Username=me", null, false)]                                         // trust, peer, .pgpass
    [InlineData("Host=frames.postgres.database.azure.com;Database=frames;Username=u;Password=p", "6f1c-client-id", false)]
    public void EntraTokensAreUsedOnlyWithoutAPasswordAndWithAnAzureServerOrIdentity(string connectionString, string? clientId, bool expected) =>
        Assert.Equal(expected, PostgresFrameStore.WantsEntraToken(connectionString, clientId));

    private sealed class RecordingCredential(string token) : Azure.Core.TokenCredential
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Scopes { get; } = [];

        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext context, CancellationToken ct) =>
            GetTokenAsync(context, ct).AsTask().Result;

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext context, CancellationToken ct)
        {
            foreach (var scope in context.Scopes) Scopes.Add(scope);
            return ValueTask.FromResult(new Azure.Core.AccessToken(token, DateTimeOffset.UtcNow.AddHours(1)));
        }
    }

    private string ConnectionString(string fault, string password) => fault == "unreachable"
        ? $"Host=127.0.0.1;Port={AzuriteFixture.FreePort()};Username=postgres;Password={password};Database=frames;Timeout=3"
        : new Npgsql.NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Password = password, Timeout = 3 }.ConnectionString;

    private static FramesApi Api(TempDatabase db) =>
        new(db.Store, db.Ingest, new ResponseCache(db.Options, db.Store), new RenderGate(), db.Options);

    private static QueryCollection Query(string text) => new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(text));

}
