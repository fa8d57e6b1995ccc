using System.Diagnostics.Metrics;

namespace ImageFrames.Configuration;

/// <summary>
/// The service's own measurements on the meter <c>ImageFrames</c> (readable with dotnet-counters or any
/// OpenTelemetry exporter), created through <see cref="IMeterFactory"/> so each container — the app, the CLI,
/// a test — owns its meter and listeners can tell them apart.
/// </summary>
public sealed class FramesMetrics
{
    public const string MeterName = "ImageFrames";

    public FramesMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(new MeterOptions(MeterName) { Version = Serve.Api.Version });
        RowsIngested = meter.CreateCounter<long>("imageframes.ingest.rows", "{row}", "Rows stored by successful ingests");
        BytesIngested = meter.CreateCounter<long>("imageframes.ingest.bytes", "By", "CSV bytes read by ingests, whatever their outcome");
        IngestDuration = meter.CreateHistogram<double>("imageframes.ingest.duration", "ms", "Wall time of one ingest");
        RequestDuration = meter.CreateHistogram<double>("imageframes.http.duration", "ms", "Time to answer one HTTP request");
        RateLimited = meter.CreateCounter<long>("imageframes.http.rate_limited", "{request}", "Requests refused with 429 by the per-client rate limit");
        AdminLockouts = meter.CreateCounter<long>("imageframes.admin.lockouts", "{client}", "Clients locked out of the admin routes for wrong admin tokens");
    }

    public Counter<long> RowsIngested { get; }
    public Counter<long> BytesIngested { get; }
    public Histogram<double> IngestDuration { get; }
    public Histogram<double> RequestDuration { get; }
    public Counter<long> RateLimited { get; }
    public Counter<long> AdminLockouts { get; }
}
