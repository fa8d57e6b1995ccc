using Npgsql;

namespace ImageFrames.Tests;

/// <summary>
/// The PostgreSQL backup the runbook documents, run for real: <c>pg_dump -Fc</c> to a file and
/// <c>pg_restore --clean --if-exists --no-owner</c> from it — into a new database (a lost server) and over the
/// live one (back to the dump) — and the restored store answers frames, pictures and arrays byte for byte as
/// before. pg_dump refuses a newer server than itself, so this runs against PostgreSQL 15, the major of the
/// distribution's client tools (Debian 12's postgresql-client); in compose the server's own tools run
/// (<c>docker compose exec postgres pg_dump …</c>), which always match.
/// </summary>
public sealed class PostgresDumpTests : IAsyncLifetime
{
    private readonly PostgresFixture _server = new("postgres-15");

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    private static readonly (Func<Functions.HttpFunctions, Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult> Route, string Query)[] Queries =
    [
        ((f, q) => f.GetFrames(q), "dataset=img&depth_min=9100&depth_max=9200&limit=1000"),
        ((f, q) => f.GetFramesImage(q), "dataset=img&colormap=viridis"),
        ((f, q) => f.GetArray(q), "dataset=img&format=npz"),
        ((f, q) => f.ListDatasets(q), ""),
    ];

    private static async Task<List<byte[]>> AnswersAsync(HttpHarness http)
    {
        var answers = new List<byte[]>();
        foreach (var (route, query) in Queries)
        {
            var answer = await http.GetAsync(route, query);
            Assert.Equal(200, answer.Status);
            answers.Add(answer.Body);
        }
        return answers;
    }

    [Fact]
    public async Task ADumpRestoresIntoANewDatabaseAndOverTheLiveOneWithTheSameAnswers()
    {
        var live = await _server.CreateDatabaseAsync();
        var dump = Path.Combine(Path.GetTempPath(), $"frames-{Guid.NewGuid():N}.dump");
        try
        {
            List<byte[]> before;
            using (var http = new HttpHarness(o => o.PostgresConnectionString = live))
            {
                await http.Db.IngestFileAsync(TestPaths.SampleCsv, "img");
                before = await AnswersAsync(http);
            }

            // pg_dump -Fc -U frames -d frames > frames.dump
            await using (var file = File.Create(dump))
                await PgAsync("pg_dump", live, null, file, "-Fc");
            Assert.True(new FileInfo(dump).Length > 10_000);

            // Into a new, empty database: what a lost server is rebuilt from.
            var fresh = await _server.CreateDatabaseAsync();
            await PgAsync("pg_restore", fresh, dump, null, "--clean", "--if-exists", "--no-owner");
            using (var restored = new HttpHarness(o => o.PostgresConnectionString = fresh))
                Assert.Equal(before, await AnswersAsync(restored));

            // Over the live database after a change: back to the dump, the later dataset gone.
            using (var http = new HttpHarness(o => o.PostgresConnectionString = live))
                await http.Db.IngestTextAsync(Csv.Of(4, ("1", 10), ("2", 20)), "later");
            await PgAsync("pg_restore", live, dump, null, "--clean", "--if-exists", "--no-owner");
            using (var restored = new HttpHarness(o => o.PostgresConnectionString = live))
            {
                Assert.Equal(before, await AnswersAsync(restored));
                Assert.Equal(["img"], restored.Db.Store.ListDatasets().Select(d => d.Id));
            }
        }
        finally
        {
            File.Delete(dump);
        }
    }

    /// <summary>One of the client tools against a database, stdin from a file and stdout to a stream (as the
    /// documented shell redirections do); a failure shows what the tool said.</summary>
    private static async Task PgAsync(string tool, string connectionString, string? stdin, Stream? stdout, params string[] options)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        await using var input = stdin is null ? null : File.OpenRead(stdin);
        var (exit, _, errors) = await ExternalTool.RunAsync(tool, "postgresql-client",
            options.Concat(["-h", target.Host!, "-p", target.Port.ToString(), "-U", target.Username!, "-d", target.Database!]),
            input, stdout, new Dictionary<string, string> { ["PGPASSWORD"] = target.Password! });
        Assert.True(exit == 0, $"{tool} exited {exit}: {errors}");
    }
}
