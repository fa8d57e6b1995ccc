using System.Diagnostics.Metrics;
using ImageFrames.Configuration;
using Microsoft.ApplicationInsights;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    /// <summary>With Application Insights on, its provider's default "Warning and above" rule is removed, so
    /// Information-level ingest lines reach it.</summary>
    [Fact]
    public async Task ApplicationInsightsReceivesInformationLevelLogs()
    {
        await using var on = Services("InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/");
        var rules = on.GetRequiredService<Microsoft.Extensions.Options.IOptions<LoggerFilterOptions>>().Value.Rules;
        Assert.DoesNotContain(rules, r => r.ProviderName?.Contains("ApplicationInsights") == true && r.LogLevel >= LogLevel.Warning);
    }

    /// <summary>Listens only to this test database's meters (its own IMeterFactory), so other tests' ingests
    /// running in parallel cannot make it pass.</summary>
    [Fact]
    public async Task IngestsReportRowsBytesAndDuration()
    {
        using var db = new TempDatabase();
        var measured = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, db.MeterFactory) && instrument.Meter.Name == FramesMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, _, _) => { lock (measured) measured[i.Name] = measured.GetValueOrDefault(i.Name) + value; });
        listener.SetMeasurementEventCallback<double>((i, value, _, _) => { lock (measured) measured[i.Name] = measured.GetValueOrDefault(i.Name) + 1; });
        listener.Start();

        var result = await db.IngestTextAsync(Csv.Of(200, ("1", 1), ("2", 2)), "metered");
        await db.IngestTextAsync("depth,a\n1,x\n", "refused");

        lock (measured)
        {
            Assert.Equal(2, measured.GetValueOrDefault("imageframes.ingest.rows")); // the rejected file stores none
            Assert.Equal(result.Bytes + 12, measured.GetValueOrDefault("imageframes.ingest.bytes"));
            Assert.Equal(2, measured.GetValueOrDefault("imageframes.ingest.duration")); // one per ingest
        }
    }
}
