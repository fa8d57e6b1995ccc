using System.Diagnostics.Metrics;
using ImageFrames.Configuration;
using Microsoft.ApplicationInsights;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageFrames.Tests;

public sealed class TelemetryTests
{
    /// <summary>The app's registrations, with the configuration the Functions host also provides.</summary>
    private static ServiceProvider Services(string? connection)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [FunctionAppServices.ApplicationInsightsSetting] = connection,
            ["FRAMES_DB_PATH"] = Path.Combine(Path.GetTempPath(), "unused.db"),
        }).Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddImageFramesFunctions(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task ApplicationInsightsIsOnOnlyWithAConnectionString()
    {
        await using (var off = Services(null)) Assert.Null(off.GetService<TelemetryClient>());
        await using var on = Services("InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/");
        Assert.NotNull(on.GetService<TelemetryClient>());
    }

    [Fact]
    public async Task IngestsReportRowsBytesAndDuration()
    {
        var measured = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == "ImageFrames") l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((i, value, _, _) => { lock (measured) measured[i.Name] = measured.GetValueOrDefault(i.Name) + value; });
        listener.SetMeasurementEventCallback<double>((i, value, _, _) => { lock (measured) measured[i.Name] = measured.GetValueOrDefault(i.Name) + value; });
        listener.Start();

        using var db = new TempDatabase();
        var result = await db.IngestTextAsync(Csv.Of(200, ("1", 1), ("2", 2)), "metered");

        lock (measured)
        {
            Assert.True(measured.GetValueOrDefault("imageframes.ingest.rows") >= 2);
            Assert.True(measured.GetValueOrDefault("imageframes.ingest.bytes") >= result.Bytes);
            Assert.True(measured.ContainsKey("imageframes.ingest.duration"));
        }
    }
}
