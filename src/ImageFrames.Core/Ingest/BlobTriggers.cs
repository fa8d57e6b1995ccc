namespace ImageFrames.Ingest;

/// <summary>The function app's two blob triggers, by the names the host knows them (app settings such as
/// <c>AzureWebJobs.IngestBlobEventGrid.Disabled</c>, the blobs extension's webhook) — shared with the CLI, which
/// delivers Event Grid events to the second.</summary>
public static class BlobTriggers
{
    /// <summary>Polls the input container (local, compose, the Consumption and Premium plans).</summary>
    public const string Polling = "IngestBlob";

    /// <summary>Called through Event Grid subscriptions to BlobCreated (the only blob trigger on Flex Consumption).</summary>
    public const string EventGrid = "IngestBlobEventGrid";
}
