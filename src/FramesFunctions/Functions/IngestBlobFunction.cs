using Azure.Storage.Blobs;
using ImageFrames.Ingest;
using Microsoft.Azure.Functions.Worker;

namespace ImageFrames.Functions;

/// <summary>A CSV dropped into the input container becomes a dataset named after the blob.</summary>
public sealed class IngestBlobFunction(IngestService ingest)
{
    /// <remarks>Bound as a <see cref="BlobClient"/> so the content is streamed, never buffered. Rejected files
    /// complete normally (logged as rejected: a retry would fail the same way); transient faults throw and the
    /// host retries them.</remarks>
    [Function("IngestBlob")]
    public async Task Run(
        [BlobTrigger("%FRAMES_INPUT_CONTAINER%/{name}", Connection = "AzureWebJobsStorage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        await ingest.IngestBlobAsync(blob, cancellationToken);
}
