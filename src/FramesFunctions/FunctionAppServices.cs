using ImageFrames.Configuration;
using ImageFrames.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace ImageFrames;

public static class FunctionAppServices
{
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Everything the function app needs on top of the core.</summary>
    public static IServiceCollection AddImageFramesFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddImageFramesCore(configuration);
        services.AddApplicationInsightsWhenConfigured(configuration);
        services.AddFramesMetricsExport(configuration);
        services.AddHostedService<InputContainerInitializer>();
        services.AddHostedService<StoreMaintenance>();
        return services;
    }

    /// <summary>Application Insights the Functions way, only when a connection string is configured: without
    /// one nothing is registered, so a laptop run stays silent and sends nothing.</summary>
    private static void AddApplicationInsightsWhenConfigured(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[ApplicationInsightsSetting])) return;
        services.AddApplicationInsightsTelemetryWorkerService();
        services.ConfigureFunctionsApplicationInsights();
        // The Application Insights logger provider adds a rule that drops everything below Warning; without
        // removing it the Information-level ingest and sweep lines never reach Application Insights (the worker
        // documentation's own advice). host.json and app settings still decide the levels.
        services.Configure<LoggerFilterOptions>(options =>
        {
            var warningOnly = options.Rules.FirstOrDefault(rule => rule.ProviderName == ApplicationInsightsLoggerProvider);
            if (warningOnly is not null) options.Rules.Remove(warningOnly);
        });
    }

    /// <summary>The <c>ImageFrames</c> meter through OpenTelemetry: to the Prometheus exporter that /api/metrics
    /// serves, and, when Application Insights is configured, to Azure Monitor as well. The gauges are created
    /// with the provider, so an exporter that pushes (Azure Monitor) sees them without a scrape.</summary>
    private static void AddFramesMetricsExport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PrometheusScrape>();
        var azureMonitor = AzureMonitorOptions(configuration);
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            // No scrape caching: a scrape every few seconds is cheap, and a cached one would show numbers from before the last requests.
            metrics.AddMeter(FramesMetrics.MeterName).AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            metrics.AddInstrumentation(provider => provider.GetRequiredService<FramesGauges>());
            // Meters are matched by name: only this container's (its IMeterFactory's) ImageFrames meter is exported,
            // not another container's in the same process (tests run many).
            if (metrics is IDeferredMeterProviderBuilder deferred)
                deferred.Configure((provider, builder) =>
                {
                    var own = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
                    builder.AddView(instrument => ReferenceEquals(instrument.Meter.Scope, own) ? null : MetricStreamConfiguration.Drop);
                });
            if (azureMonitor is not null)
                metrics.AddAzureMonitorMetricExporter(o => (o.ConnectionString, o.Credential) = (azureMonitor.ConnectionString, azureMonitor.Credential));
        });
    }

    /// <summary>Where the meters go in Azure, or null without Application Insights. Application Insights there
    /// takes no keys (local authentication off), so the exporter signs in as the managed identity that
    /// APPLICATIONINSIGHTS_AUTHENTICATION_STRING names (<c>ClientId=…;Authorization=AAD</c>), as the host does.</summary>
    public static AzureMonitorExporterOptions? AzureMonitorOptions(IConfiguration configuration)
    {
        var connectionString = configuration[ApplicationInsightsSetting];
        if (string.IsNullOrWhiteSpace(connectionString)) return null;
        var options = new AzureMonitorExporterOptions { ConnectionString = connectionString };
        var authentication = (configuration[ApplicationInsightsAuthenticationSetting] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2)).Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (authentication.TryGetValue("Authorization", out var kind) && kind.Equals("AAD", StringComparison.OrdinalIgnoreCase))
            options.Credential = authentication.TryGetValue("ClientId", out var clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
                : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        return options;
    }

    public const string ApplicationInsightsAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    private const string ApplicationInsightsLoggerProvider = "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider";
}
