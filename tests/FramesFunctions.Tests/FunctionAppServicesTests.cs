using ImageFrames.Functions;
using ImageFrames.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImageFrames.Tests;

/// <summary>The function app's container as the worker builds it: every function class can be created from
/// it, and its start-up work (the input container, the store maintenance) runs.</summary>
public sealed class FunctionAppServicesTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private ServiceProvider Services() => new ServiceCollection().AddLogging()
        .AddImageFramesFunctions(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FRAMES_DB_PATH"] = _db.Options.DatabasePath,
            ["FRAMES_ABANDONED_AFTER_SECONDS"] = "60",
        }).Build())
        .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

    [Fact]
    public async Task EveryFunctionClassCanBeCreated()
    {
        await using var services = Services();
        foreach (var type in new[] { typeof(HttpFunctions), typeof(AdminFunctions), typeof(IngestBlobFunction), typeof(ReconcileFunction), typeof(BackupFunction), typeof(MetricsFunction), typeof(PickFunctions) })
            Assert.NotNull(ActivatorUtilities.CreateInstance(services, type));
    }

    /// <summary>In Azure, Application Insights takes no keys (local authentication off): the meters' Azure Monitor
    /// exporter signs in as the app's managed identity named by APPLICATIONINSIGHTS_AUTHENTICATION_STRING, as the
    /// Functions host does; without that setting it uses the connection string alone.</summary>
    [Theory]
    [InlineData("ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD", true)]
    [InlineData(null, false)]
    public void TheAzureMonitorExporterSignsInAsTheManagedIdentity(string? authentication, bool withCredential)
    {
        const string connection = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.invalid/";
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = connection,
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = authentication,
        }).Build();
        var exporter = FunctionAppServices.AzureMonitorOptions(settings)!;
        Assert.Equal(connection, exporter.ConnectionString);
        if (withCredential) Assert.IsType<Azure.Identity.ManagedIdentityCredential>(exporter.Credential);
        else Assert.Null(exporter.Credential);
        Assert.Null(FunctionAppServices.AzureMonitorOptions(new ConfigurationBuilder().Build())); // no Application Insights: nothing exported
    }

    /// <summary>At start-up, an ingest whose process died (heartbeat older than the setting) is ended and purged.</summary>
    [Fact]
    public async Task StartUpRemovesAbandonedIngests()
    {
        using (var dead = _db.Store.BeginIngest("ghost", "ghost.csv", DateTimeOffset.UtcNow))
        {
            dead.Write(Batch(1500));
            _db.Scalar($"UPDATE ingestion_log SET heartbeat_at = '{SqliteFrameStore.Timestamp(DateTimeOffset.UtcNow.AddMinutes(-5))}' WHERE status = 'running'");
            await using var services = Services();
            var maintenance = Assert.Single(services.GetServices<IHostedService>().OfType<StoreMaintenance>());
            await maintenance.StartAsync(default);
            await maintenance.ExecuteTask!;
            Assert.Equal(0L, _db.StoredRows());
            Assert.StartsWith("abandoned", _db.Store.IngestionLog("ghost")[0].Error);
        }
    }

    private static Parse.FrameBatch Batch(int rows)
    {
        var batch = new Parse.FrameBatch(rows, 150) { Count = rows };
        for (var i = 0; i < rows; i++) (batch.Depths[i], batch.Lines[i]) = (i, i + 2);
        return batch;
    }
}
