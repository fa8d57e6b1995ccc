using Microsoft.Extensions.Azure;
using ImageFrames.Ingest;
using ImageFrames.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImageFrames.Configuration;

public static class ServiceRegistration
{
    /// <summary>The core services, shared by the function app, the CLI and the bench.</summary>
    public static IServiceCollection AddImageFramesCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<FramesOptions>, FramesOptions.Validator>();
        services.AddOptions<FramesOptions>().Configure(options => FramesOptions.Bind(configuration, options)).ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<FramesOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<FramesMetrics>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<FramesOptions>();
            return FrameStore.Create(options, PostgresCredential(options, configuration));
        });
        services.AddSingleton<IngestService>();
        services.AddSingleton<ReconcileService>();
        services.AddSingleton<Operations.BackupService>();
        services.AddSingleton<Serve.ResponseCache>();
        services.AddSingleton<Serve.RenderGate>();
        services.AddSingleton<FramesGauges>();
        services.AddSingleton<Serve.AdminLockout>();
        services.AddSingleton<Serve.FramesApi>();
        services.AddSingleton<Serve.PicksApi>();
        services.AddSingleton<Serve.DipsApi>();
        services.AddAzureClientsCore(); // AzureComponentFactory: token credentials from configuration, as the host builds them
        services.AddSingleton(sp => StorageClient.Create(configuration, sp.GetRequiredService<AzureComponentFactory>())!);
        return services;
    }

    /// <summary>
    /// The identity for a passwordless PostgreSQL connection string (see <see cref="PostgresFrameStore.WantsEntraToken"/>):
    /// in Azure the app's user-assigned managed identity (<c>AZURE_CLIENT_ID</c>), on a laptop whatever
    /// <c>DefaultAzureCredential</c> finds (<c>az login</c>, Visual Studio, environment variables). Null otherwise.
    /// </summary>
    private static Azure.Core.TokenCredential? PostgresCredential(FramesOptions options, IConfiguration configuration)
    {
        var clientId = configuration["AZURE_CLIENT_ID"];
        if (string.IsNullOrWhiteSpace(options.PostgresConnectionString) || !PostgresFrameStore.WantsEntraToken(options.PostgresConnectionString, clientId))
            return null;
        return new Azure.Identity.DefaultAzureCredential(new Azure.Identity.DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
