using System.Diagnostics.Metrics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageFrames.Configuration;

/// <summary>
/// The service's own measurements, as .NET metrics (readable with dotnet-counters or any OpenTelemetry
/// exporter) beside the structured ingest and request logs that Application Insights receives.
/// </summary>
public static class Telemetry
{
    public const string ConnectionSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    private static readonly Meter Meter = new("ImageFrames", Serve.Api.Version);
    public static readonly Counter<long> RowsIngested = Meter.CreateCounter<long>("imageframes.ingest.rows", "{row}", "Rows stored by successful ingests");
    public static readonly Counter<long> BytesIngested = Meter.CreateCounter<long>("imageframes.ingest.bytes", "By", "CSV bytes read by ingests, whatever their outcome");
    public static readonly Histogram<double> IngestDuration = Meter.CreateHistogram<double>("imageframes.ingest.duration", "ms", "Wall time of one ingest");
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("imageframes.http.duration", "ms", "Time to answer one HTTP request");

    /// <summary>Application Insights the Functions way, only when a connection string is configured: without
    /// one nothing is registered, so a laptop run stays silent and sends nothing.</summary>
    public static IServiceCollection AddTelemetryWhenConfigured(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[ConnectionSetting])) return services;
        services.AddApplicationInsightsTelemetryWorkerService();
        services.ConfigureFunctionsApplicationInsights();
        return services;
    }
}
