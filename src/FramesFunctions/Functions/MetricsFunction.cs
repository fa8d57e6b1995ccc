using ImageFrames.Configuration;
using ImageFrames.Serve;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.AspNetCore.Builder;
using OpenTelemetry.Metrics;

namespace ImageFrames.Functions;

/// <summary>
/// GET /api/metrics: the app's meters in the Prometheus text format, written by OpenTelemetry's Prometheus
/// exporter (its ASP.NET Core middleware, run on the request the worker's ASP.NET Core integration hands over).
/// The host lets anyone reach it (a scraper has no function key), so the app asks for the admin token — as
/// <c>Authorization: Bearer</c>, which Prometheus sends — unless FRAMES_METRICS_OPEN says the network is private.
/// </summary>
public sealed class MetricsFunction(FramesApi api, FramesOptions options, MeterProvider meters, FramesGauges gauges, IServiceProvider services)
{
    // The exporter's middleware on a pipeline of its own that answers every request it is given: the route is
    // the function's, so the middleware's own path check is told yes.
    private readonly RequestDelegate _exporter = new ApplicationBuilder(services)
        .UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null)
        .Build();

    // The gauges exist once this class does: they read the cache, render gate and store when scraped.
    private readonly FramesGauges _gauges = gauges;

    [Function("Metrics")]
    public async Task<IActionResult> Metrics([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "metrics")] HttpRequest req)
    {
        if (!options.MetricsOpen && api.Authorize(req) is { } refusal) return new ApiResult(refusal);
        await _exporter(req.HttpContext);
        return new EmptyResult();
    }
}
