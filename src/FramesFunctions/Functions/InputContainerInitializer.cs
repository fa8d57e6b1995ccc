using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Functions;

/// <summary>The Functions host never creates a trigger's container (it logs ContainerNotFound until one
/// exists), so the app makes sure the input container is there when it starts.</summary>
public sealed class InputContainerInitializer(BlobServiceClient? blobs, FramesOptions options, ILogger<InputContainerInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (blobs is null)
        {
            logger.LogWarning("AzureWebJobsStorage is not set: the blob trigger has no storage to watch");
            return;
        }
        try
        {
            await blobs.GetBlobContainerClient(options.InputContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
        {
            // Storage being down at start-up must not stop the HTTP side; the trigger retries on its own.
            logger.LogWarning(e, "Could not ensure input container {Container} exists", options.InputContainer);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
