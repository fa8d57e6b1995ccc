using System.Text.RegularExpressions;
using ImageFrames.Functions;
using ImageFrames.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace ImageFrames.Tests;

/// <summary>
/// GET /api/metrics through the function app's own container: the app's meters in the Prometheus text format
/// (OpenTelemetry's exporter), accepted by Prometheus' own <c>promtool check metrics</c>; the numbers move as
/// requests are made; protected by the admin token (as a bearer token, which Prometheus can send) unless
/// FRAMES_METRICS_OPEN says the network is private.
/// </summary>
public sealed class MetricsTests : IAsyncDisposable
{
    private const string Token = "metrics-admin-token-0123456789abcdef";
    private readonly TempDatabase _db = new();
    private readonly List<ServiceProvider> _containers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers) await container.DisposeAsync();
        _db.Dispose();
    }

    private (HttpFunctions Http, MetricsFunction Metrics) App(bool open = false)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FRAMES_DB_PATH"] = _db.Options.DatabasePath,
            ["ADMIN_TOKEN"] = Token,
            ["FRAMES_METRICS_OPEN"] = open ? "true" : "false",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddImageFramesFunctions(configuration).BuildServiceProvider();
        _containers.Add(services);
        services.GetRequiredService<MeterProvider>(); // the host's OpenTelemetry service builds it at start-up, before any ingest
        services.GetRequiredService<IngestService>().IngestAsync(File.OpenRead(TestPaths.SampleCsv), "img", "test/img.csv").GetAwaiter().GetResult();
        return (ActivatorUtilities.CreateInstance<HttpFunctions>(services), ActivatorUtilities.CreateInstance<MetricsFunction>(services));
    }

    private static async Task<HttpHarness.Response> ScrapeAsync(MetricsFunction metrics, string? bearer)
    {
        var request = HttpHarness.Request("GET", "", bearer is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {bearer}" });
        return await HttpHarness.SendAsync(request, await metrics.Metrics(request));
    }

    private static Task<HttpHarness.Response> GetAsync(Func<Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult> route, string query)
    {
        var request = HttpHarness.Request("GET", query);
        return HttpHarness.SendAsync(request, route(request));
    }

    private static double Sample(string body, string series)
    {
        var match = Regex.Match(body, "^" + Regex.Escape(series) + @"\s+(\S+)", RegexOptions.Multiline);
        Assert.True(match.Success, $"no sample {series} in:\n{body}");
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task TheMetersArePrometheusTextThatMovesWithRequests()
    {
        var (http, metrics) = App();
        for (var i = 0; i < 3; i++) await GetAsync(http.GetFrames, "dataset=img&limit=5");
        await GetAsync(http.GetFrames, "dataset=img&limit=x");
        await GetAsync(http.GetFramesImage, "dataset=img&depth_min=9100&depth_max=9110");

        var first = await ScrapeAsync(metrics, Token);
        Assert.Equal(200, first.Status);
        Assert.StartsWith("text/plain", first.ContentType);
        var body = first.Text;
        Assert.Equal(3, Sample(body, "imageframes_http_duration_seconds_count{otel_scope_name=\"ImageFrames\",otel_scope_version=\"" + Serve.Api.Version + "\",route=\"GetFrames\",status=\"200\"}"));
        Assert.Equal(1, Sample(body, "imageframes_http_duration_seconds_count{otel_scope_name=\"ImageFrames\",otel_scope_version=\"" + Serve.Api.Version + "\",route=\"GetFrames\",status=\"400\"}"));
        Assert.Contains("route=\"GetFramesImage\",status=\"200\"", body);
        Assert.Contains("imageframes_http_duration_seconds_bucket{", body); // latency histograms
        Assert.Matches(@"imageframes_ingest_rows_total\{[^}]*\} [1-9]", body);
        Assert.Matches(@"imageframes_ingest_duration_seconds_count\{[^}]*outcome=""succeeded""[^}]*\} 1", body);
        Assert.Contains("imageframes_cache_misses_total{", body);
        Assert.Contains("imageframes_render_busy{", body);
        Assert.True(Sample(body, "imageframes_store_size_bytes{otel_scope_name=\"ImageFrames\",otel_scope_version=\"" + Serve.Api.Version + "\"}") > 100_000);
        PromtoolAccepts(body);

        // The same frames again come from the cache: hits move.
        var hitsBefore = Regex.Match(body, @"^imageframes_cache_hits_total\{[^}]*\} (\d+)", RegexOptions.Multiline);
        await GetAsync(http.GetFrames, "dataset=img&limit=5");
        var second = (await ScrapeAsync(metrics, Token)).Text;
        Assert.Equal(4, Sample(second, "imageframes_http_duration_seconds_count{otel_scope_name=\"ImageFrames\",otel_scope_version=\"" + Serve.Api.Version + "\",route=\"GetFrames\",status=\"200\"}"));
        Assert.True(long.Parse(Regex.Match(second, @"^imageframes_cache_hits_total\{[^}]*\} (\d+)", RegexOptions.Multiline).Groups[1].Value)
            > (hitsBefore.Success ? long.Parse(hitsBefore.Groups[1].Value) : 0));
    }

    /// <summary>Meters are found by name, so a second container in the process (the tests run many at once) has a
    /// meter called ImageFrames too: each exporter takes only the meter its own container made.</summary>
    [Fact]
    public async Task EachContainerExportsOnlyItsOwnMeter()
    {
        var (_, first) = App();
        var (_, second) = App(); // ingests the same file again: "unchanged" there
        var body = (await ScrapeAsync(first, Token)).Text;
        Assert.Matches(@"imageframes_ingest_duration_seconds_count\{[^}]*outcome=""succeeded""[^}]*\} 1\n", body);
        Assert.DoesNotContain("outcome=\"unchanged\"", body);
        Assert.Contains("outcome=\"unchanged\"", (await ScrapeAsync(second, Token)).Text);
    }

    /// <summary>A request its client gave up on is not a server error: it is counted as 499 (the status proxies
    /// log for it), so the 5xx alert does not fire on disconnects.</summary>
    [Fact]
    public async Task ARequestCancelledByItsClientIsNotCountedAsA5xx()
    {
        var (_, metrics) = App();
        var admin = ActivatorUtilities.CreateInstance<AdminFunctions>(_containers[^1]);
        var upload = HttpHarness.Request("POST", "", new Dictionary<string, string> { ["X-Admin-Token"] = Token }, System.Text.Encoding.UTF8.GetBytes(Csv.Of(4, ("1", 1))));
        upload.HttpContext.RequestAborted = new CancellationToken(canceled: true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => admin.IngestDataset(upload, "gone"));

        var body = (await ScrapeAsync(metrics, Token)).Text;
        Assert.Contains("route=\"IngestDataset\",status=\"499\"", body);
        Assert.DoesNotContain("route=\"IngestDataset\",status=\"500\"", body);
    }

    [Fact]
    public async Task TheMetricsNeedTheAdminTokenUnlessOpened()
    {
        var (_, metrics) = App();
        Assert.Equal(401, (await ScrapeAsync(metrics, null)).Status);
        Assert.Equal(401, (await ScrapeAsync(metrics, "wrong")).Status);
        var (_, open) = App(open: true);
        Assert.Equal(200, (await ScrapeAsync(open, null)).Status);
    }

    /// <summary>Prometheus' own linter over the body: it fails on anything a Prometheus server would not parse.</summary>
    private static void PromtoolAccepts(string body)
    {
        var (exit, output, errors) = ExternalTool.RunAsync("promtool", "prometheus", ["check", "metrics"], new MemoryStream(System.Text.Encoding.UTF8.GetBytes(body)))
            .GetAwaiter().GetResult();
        Assert.True(exit == 0, $"promtool check metrics refused the body:\n{output}{errors}");
    }
}
