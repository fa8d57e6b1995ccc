using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Metrics;

namespace ImageFrames.Functions;

/// <summary>
/// OpenTelemetry's Prometheus exporter middleware on a pipeline of its own that answers every request it is given
/// (the route is the function's, so the middleware's own path check is told yes). Built once per container: the
/// worker makes a new function object for every invocation.
/// </summary>
public sealed class PrometheusScrape(MeterProvider meters, IServiceProvider services)
{
    private readonly RequestDelegate _write = new ApplicationBuilder(services)
        .UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null)
        .Build();

    public Task WriteAsync(HttpContext context) => _write(context);
}
