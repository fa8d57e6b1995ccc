using ImageFrames.Configuration;
using ImageFrames.Serve;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ImageFrames.Functions;

/// <summary>
/// GET /api/metrics: the app's meters in the Prometheus text format, written by OpenTelemetry's Prometheus
/// exporter (its ASP.NET Core middleware, run on the request the worker's ASP.NET Core integration hands over).
/// The host lets anyone reach it (a scraper has no function key), so the app asks for the admin token — as
/// <c>Authorization: Bearer</c>, which Prometheus sends — unless FRAMES_METRICS_OPEN says the network is private.
/// </summary>
public sealed class MetricsFunction(FramesApi api, FramesOptions options, PrometheusScrape scrape)
{
    [Function("Metrics")]
    public async Task<IActionResult> Metrics([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "metrics")] HttpRequest req)
    {
        if (!options.MetricsOpen && api.Authorize(req) is { } refusal) return new ApiResult(refusal);
        await scrape.WriteAsync(req.HttpContext);
        return new EmptyResult();
    }
}
