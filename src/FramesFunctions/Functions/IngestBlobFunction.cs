using Azure.Storage.Blobs;
using ImageFrames.Ingest;
using Microsoft.Azure.Functions.Worker;

namespace ImageFrames.Functions;

/// <summary>
/// A CSV dropped into the input container becomes a dataset named after the blob. Two triggers feed the same
/// ingest: <c>IngestBlob</c> polls the container (local, compose, the Consumption and Premium plans), and
/// <c>IngestBlobEventGrid</c> is called by an Event Grid subscription to the account's BlobCreated events — the
/// only blob trigger the Flex Consumption plan supports. Each is switched off by its app setting
/// (<c>AzureWebJobs.IngestBlob.Disabled</c>, <c>AzureWebJobs.IngestBlobEventGrid.Disabled</c>); whichever runs,
/// a blob delivered twice is stored once.
/// </summary>
public sealed class IngestBlobFunction(IngestService ingest)
{
    /// <remarks>Bound as a <see cref="BlobClient"/> so the content is streamed, never buffered. Rejected files
    /// complete normally (logged as rejected: a retry would fail the same way); transient faults throw and the
    /// host retries them.</remarks>
    [Function(BlobTriggers.Polling)]
    public async Task Run(
        [BlobTrigger("%FRAMES_INPUT_CONTAINER%/{name}", Connection = "AzureWebJobsStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        await ingest.IngestBlobAsync(blob, cancellationToken);

    /// <remarks>The blobs extension receives the event at <c>/runtime/webhooks/blobs?functionName=Host.Functions.IngestBlobEventGrid</c>
    /// (with its <c>blobs_extension</c> system key) and hands over the blob the event names.</remarks>
    [Function(BlobTriggers.EventGrid)]
    public async Task RunFromEventGrid(
        [BlobTrigger("%FRAMES_INPUT_CONTAINER%/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        await ingest.IngestBlobAsync(blob, cancellationToken);
}
