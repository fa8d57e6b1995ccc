using System.Diagnostics.Metrics;

namespace ImageFrames.Configuration;

/// <summary>
/// The service's own measurements on the meter <c>ImageFrames</c> (scraped from <c>/api/metrics</c> in the
/// Prometheus format, sent to Application Insights in Azure, readable with dotnet-counters), created through
/// <see cref="IMeterFactory"/> so each container — the app, the CLI, a test — owns its meter and listeners can
/// tell them apart. Durations are in seconds, Prometheus' base unit, with buckets advised for each.
/// </summary>
public sealed class FramesMetrics
{
    public const string MeterName = "ImageFrames";

    public FramesMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(new MeterOptions(MeterName) { Version = Serve.Api.Version });
        RowsIngested = Meter.CreateCounter<long>("imageframes.ingest.rows", "{row}", "Rows stored by successful ingests");
        BytesIngested = Meter.CreateCounter<long>("imageframes.ingest.bytes", "By", "Input bytes read by ingests, by outcome");
        IngestDuration = Meter.CreateHistogram("imageframes.ingest.duration", "s", "Wall time of one ingest, by outcome",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800] });
        RequestDuration = Meter.CreateHistogram("imageframes.http.duration", "s", "Time to answer one HTTP request, by route and status",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        RateLimited = Meter.CreateCounter<long>("imageframes.http.rate_limited", "{request}", "Requests refused with 429 by the per-client rate limit");
        AdminLockouts = Meter.CreateCounter<long>("imageframes.admin.lockouts", "{client}", "Clients locked out of the admin routes for wrong admin tokens");
        StoreErrors = Meter.CreateCounter<long>("imageframes.store.errors", "{request}", "Requests answered 503 because the store or its disk failed");
        SweepRounds = Meter.CreateCounter<long>("imageframes.sweep.rounds", "{round}", "Reconcile sweeps run");
        SweepBlobs = Meter.CreateCounter<long>("imageframes.sweep.blobs", "{blob}", "Blobs the sweep ingested (retries of missed or failed ones), failed, or found abandoned, by result");
    }

    /// <summary>The meter itself, for the observable instruments of the parts that own their numbers (<see cref="FramesGauges"/>).</summary>
    public Meter Meter { get; }
    public Counter<long> RowsIngested { get; }
    public Counter<long> BytesIngested { get; }
    public Histogram<double> IngestDuration { get; }
    public Histogram<double> RequestDuration { get; }
    public Counter<long> RateLimited { get; }
    public Counter<long> AdminLockouts { get; }
    public Counter<long> StoreErrors { get; }
    public Counter<long> SweepRounds { get; }
    public Counter<long> SweepBlobs { get; }
}
