using ImageFrames.Functions;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Tests;

/// <summary>If-None-Match as clients and proxies send it (RFC 9110: weak comparison, lists, *), and one
/// request id per request, from the log line to the response header.</summary>
public sealed class ConditionalRequestTests : IAsyncLifetime
{
    private readonly HttpHarness _http = new();

    public async Task InitializeAsync() => await _http.Db.IngestTextAsync(Csv.Of(4, ("1", 1), ("2", 2)), "small");

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    private async Task<int> StatusWith(string ifNoneMatch) =>
        (await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=small", new Dictionary<string, string> { ["If-None-Match"] = ifNoneMatch })).Status;

    [Fact]
    public async Task WeakTagsListsAndStarMatch()
    {
        var etag = (await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=small")).Headers.ETag.ToString();
        Assert.StartsWith("\"", etag);
        Assert.Equal(304, await StatusWith(etag));
        Assert.Equal(304, await StatusWith("W/" + etag));                    // a proxy that weakened it
        Assert.Equal(304, await StatusWith($"\"other\", W/\"x\",{etag}"));    // one of a list
        Assert.Equal(304, await StatusWith("*"));
        Assert.Equal(200, await StatusWith("\"other\", W/\"x\""));
        Assert.Equal(200, await StatusWith("not-a-tag"));                    // malformed: ignored, not an error
    }

    /// <summary>A failing request logs the id it answers with, and the request's own headers are not rewritten.</summary>
    [Fact]
    public async Task AFailureLogsTheIdTheResponseCarries()
    {
        var logs = new CapturingLogger();
        var functions = new HttpFunctions(_http.Api, _http.Db.Metrics, logs);
        File.Delete(_http.Db.Options.DatabasePath); // the next read fails inside the store
        Directory.CreateDirectory(_http.Db.Options.DatabasePath); // a folder where the file was: SQLite cannot open it
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var request = HttpHarness.Request(query: "dataset=small&depth_min=0");
        var response = await HttpHarness.SendAsync(request, functions.GetFrames(request));

        Assert.True(response.Status >= 500, $"status {response.Status}");
        var id = response.Headers["X-Request-ID"].ToString();
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Contains(id, Assert.Single(logs.Lines));
        Assert.False(request.Headers.ContainsKey("X-Request-ID"));
    }

    private sealed class CapturingLogger : ILogger<HttpFunctions>
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
