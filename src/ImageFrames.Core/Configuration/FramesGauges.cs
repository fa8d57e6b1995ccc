using ImageFrames.Serve;
using ImageFrames.Store;

namespace ImageFrames.Configuration;

/// <summary>
/// The numbers the cache, the render gate and the store keep themselves, read as observable instruments on the
/// <c>ImageFrames</c> meter when a reader (the Prometheus scrape, the Azure Monitor exporter) collects: nothing
/// is counted twice, and nothing is paid between collections.
/// </summary>
public sealed class FramesGauges
{
    public FramesGauges(FramesMetrics metrics, ResponseCache cache, RenderGate renders, FrameStore store)
    {
        var meter = metrics.Meter;
        meter.CreateObservableCounter("imageframes.cache.hits", () => cache.Stats().Hits, "{request}", "Answers served from the response cache");
        meter.CreateObservableCounter("imageframes.cache.misses", () => cache.Stats().Misses, "{request}", "Answers the cache had to build");
        meter.CreateObservableCounter("imageframes.cache.evictions", () => cache.Stats().Evictions, "{entry}", "Entries the cache dropped for space");
        meter.CreateObservableUpDownCounter("imageframes.cache.size", () => cache.Stats().Bytes, "By", "Bytes the response cache holds");
        meter.CreateObservableUpDownCounter("imageframes.cache.entries", () => (long)cache.Stats().Entries, "{entry}", "Entries the response cache holds");
        meter.CreateObservableUpDownCounter("imageframes.render.busy", () => (long)renders.Busy, "{slot}", "Render slots drawing now");
        meter.CreateObservableCounter("imageframes.render.waits", () => renders.Waits, "{render}", "Renders that found every slot busy and waited");
        meter.CreateObservableCounter("imageframes.render.refused", () => renders.Refused, "{render}", "Renders answered 503 after waiting too long for a slot");
        meter.CreateObservableUpDownCounter("imageframes.store.size", () => store.SizeBytes(), "By", "Size of the database (SQLite file and WAL, or the PostgreSQL database)");
    }
}
