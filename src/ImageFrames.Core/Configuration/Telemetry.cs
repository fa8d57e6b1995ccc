using System.Diagnostics.Metrics;

namespace ImageFrames.Configuration;

/// <summary>
/// The service's own measurements, as .NET metrics (readable with dotnet-counters or any OpenTelemetry
/// exporter) beside the structured ingest and request logs that Application Insights receives.
/// </summary>
public static class Telemetry
{
    private static readonly Meter Meter = new("ImageFrames", Serve.Api.Version);
    public static readonly Counter<long> RowsIngested = Meter.CreateCounter<long>("imageframes.ingest.rows", "{row}", "Rows stored by successful ingests");
    public static readonly Counter<long> BytesIngested = Meter.CreateCounter<long>("imageframes.ingest.bytes", "By", "CSV bytes read by ingests, whatever their outcome");
    public static readonly Histogram<double> IngestDuration = Meter.CreateHistogram<double>("imageframes.ingest.duration", "ms", "Wall time of one ingest");
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("imageframes.http.duration", "ms", "Time to answer one HTTP request");
}
