using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ImageFrames.Functions;
using ImageFrames.Ingest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace ImageFrames.Tests;

/// <summary>
/// The compose "monitoring" profile's Prometheus configuration, run by a real Prometheus server (Debian's) against
/// the app's /api/metrics served by Kestrel: it scrapes with the bearer token, loads the alert rules, and every
/// query of the provisioned Grafana dashboard runs — the ones over requests, latency, cache, ingests, render slots
/// and store size with data.
/// </summary>
public sealed class MonitoringTests : IAsyncLifetime
{
    private const string Token = "monitoring-admin-token-0123456789abcdef";
    private static readonly string Monitoring = Path.Combine(TestPaths.RepositoryRoot, "compose", "monitoring");
    private readonly TempDatabase _db = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("frames-prometheus-").FullName;
    private readonly int _appPort = AzuriteFixture.FreePort(), _prometheusPort = AzuriteFixture.FreePort();
    private readonly HttpClient _client = new();
    private ServiceProvider? _services;
    private WebApplication? _app;
    private Process? _prometheus;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FRAMES_DB_PATH"] = _db.Options.DatabasePath,
            ["ADMIN_TOKEN"] = Token,
        }).Build();
        _services = new ServiceCollection().AddLogging().AddImageFramesFunctions(configuration).BuildServiceProvider();
        _services.GetRequiredService<MeterProvider>();
        await _services.GetRequiredService<IngestService>().IngestAsync(File.OpenRead(TestPaths.SampleCsv), "img", "test/img.csv");
        var http = ActivatorUtilities.CreateInstance<HttpFunctions>(_services);
        var metrics = ActivatorUtilities.CreateInstance<MetricsFunction>(_services);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_appPort}");
        _app = builder.Build();
        _app.MapGet("/api/frames", (HttpContext c) => Send(c, http.GetFrames(c.Request)));
        _app.MapGet("/api/frames/image", (HttpContext c) => Send(c, http.GetFramesImage(c.Request)));
        _app.MapGet("/api/metrics", async (HttpContext c) => await Send(c, await metrics.Metrics(c.Request)));
        await _app.StartAsync();

        // The repository's configuration, pointed at this app and scraping every second; nothing else changed.
        var config = (await File.ReadAllTextAsync(Path.Combine(Monitoring, "prometheus.yml")))
            .Replace("scrape_interval: 15s", "scrape_interval: 1s")
            .Replace("evaluation_interval: 15s", "evaluation_interval: 1s")
            .Replace("/prometheus/admin-token", Path.Combine(_folder, "admin-token"))
            .Replace("functions:8080", $"127.0.0.1:{_appPort}");
        Assert.Contains($"127.0.0.1:{_appPort}", config);
        await File.WriteAllTextAsync(Path.Combine(_folder, "prometheus.yml"), config);
        await File.WriteAllTextAsync(Path.Combine(_folder, "admin-token"), Token);
        File.Copy(Path.Combine(Monitoring, "alerts.yml"), Path.Combine(_folder, "alerts.yml"));
        var start = new ProcessStartInfo("prometheus", [$"--config.file={Path.Combine(_folder, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_folder, "data")}",
            $"--web.listen-address=127.0.0.1:{_prometheusPort}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _prometheus = ExternalTool.Start(start, "prometheus");
        _prometheus.OutputDataReceived += (_, _) => { };
        _prometheus.ErrorDataReceived += (_, _) => { };
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is { HasExited: false }) _prometheus.Kill(entireProcessTree: true);
        _prometheus?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (_services is not null) await _services.DisposeAsync();
        _client.Dispose();
        _db.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static Task Send(HttpContext context, IActionResult result) =>
        result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

    private async Task<JsonElement> QueryAsync(string expression)
    {
        var answer = await _client.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{_prometheusPort}/api/v1/query?query={Uri.EscapeDataString(expression)}");
        Assert.Equal("success", answer.GetProperty("status").GetString());
        return answer.GetProperty("data").GetProperty("result");
    }

    private async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Prometheus still starting
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"timed out waiting for {what}");
            Assert.False(_prometheus!.HasExited, "prometheus exited");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task PrometheusScrapesTheAppAndEveryDashboardQueryRuns()
    {
        var app = $"http://127.0.0.1:{_appPort}/api/";
        await UntilAsync(async () => (await QueryAsync("up{job=\"imageframes\"}")).EnumerateArray().Any(r => r.GetProperty("value")[1].GetString() == "1"),
            "a successful scrape with the bearer token");

        // Traffic over a few scrapes: JSON twice (a miss, then a hit) and a picture each round.
        for (var round = 0; round < 4; round++)
        {
            (await _client.GetAsync(app + "frames?dataset=img&limit=5")).EnsureSuccessStatusCode();
            (await _client.GetAsync(app + "frames?dataset=img&limit=5")).EnsureSuccessStatusCode();
            (await _client.GetAsync(app + $"frames/image?dataset=img&depth_min={9100 + round}&depth_max={9110 + round}")).EnsureSuccessStatusCode();
            await Task.Delay(1100);
        }
        await UntilAsync(async () => (await QueryAsync("sum(rate(imageframes_http_duration_seconds_count[5m])) > 0")).GetArrayLength() > 0, "a request rate");

        var rules = await _client.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{_prometheusPort}/api/v1/rules");
        var loaded = rules.GetProperty("data").GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        Assert.Equal(8, loaded.Count);
        Assert.All(loaded, rule => Assert.Equal("ok", rule.GetProperty("health").GetString()));

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Monitoring, "grafana", "dashboards", "imageframes.json")));
        var withData = new[] { "Requests per second by route", "p95 latency by route", "Cache hit ratio", "Ingests by outcome (per hour)", "Render slots busy", "Database size", "Cache size" };
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            var title = panel.GetProperty("title").GetString()!;
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                var result = await QueryAsync(target.GetProperty("expr").GetString()!); // a query Prometheus refuses fails here
                if (withData.Contains(title)) Assert.True(result.GetArrayLength() > 0, $"panel '{title}' has no data");
            }
        }
        Assert.Contains((await QueryAsync("sum by (route) (rate(imageframes_http_duration_seconds_count[5m]))")).EnumerateArray(),
            series => series.GetProperty("metric").GetProperty("route").GetString() == "GetFramesImage");
    }
}
