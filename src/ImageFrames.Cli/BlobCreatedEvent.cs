using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;

namespace ImageFrames.Cli;

/// <summary>
/// What Event Grid sends the blobs extension when a blob is created, delivered by hand to a local Functions host:
/// the Event Grid-sourced trigger can then be run where no Event Grid exists (Azurite, compose, <c>func start</c>).
/// The extension's webhook wants its own system key (<c>blobs_extension</c>), read from the host's admin API.
/// </summary>
public static class BlobCreatedEvent
{
    private const string FunctionName = Ingest.BlobTriggers.EventGrid;

    public static async Task DeliverAsync(Uri host, string? masterKey, BlobClient blob, long length, string eTag, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = host, Timeout = TimeSpan.FromSeconds(30) };
        var key = await WebhookKeyAsync(http, masterKey, ct);
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"runtime/webhooks/blobs?functionName=Host.Functions.{FunctionName}&code={Uri.EscapeDataString(key)}")
        {
            Content = JsonContent.Create(new[] { Create(blob, length, eTag) }),
        };
        request.Headers.Add("aeg-event-type", "Notification");
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the host answered {(int)response.StatusCode} to the BlobCreated event: is {FunctionName} enabled " +
                                           $"(AzureWebJobs.{FunctionName}.Disabled=false) and FRAMES_INPUT_CONTAINER the blob's container?");
    }

    /// <summary>The event Event Grid's schema describes for a blob put by the Blob service.</summary>
    public static object Create(BlobClient blob, long length, string eTag) => new
    {
        topic = $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/{blob.AccountName}",
        subject = $"/blobServices/default/containers/{blob.BlobContainerName}/blobs/{blob.Name}",
        eventType = "Microsoft.Storage.BlobCreated",
        id = Guid.NewGuid().ToString(),
        eventTime = DateTimeOffset.UtcNow,
        data = new
        {
            api = "PutBlob",
            requestId = Guid.NewGuid().ToString(),
            eTag,
            contentType = "text/csv",
            contentLength = length,
            blobType = "BlockBlob",
            url = blob.Uri.ToString(),
            sequencer = DateTime.UtcNow.Ticks.ToString("x32"),
        },
        dataVersion = "",
        metadataVersion = "1",
    };

    private static async Task<string> WebhookKeyAsync(HttpClient http, string? masterKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "admin/host/systemkeys/blobs_extension");
        if (!string.IsNullOrEmpty(masterKey)) request.Headers.Add("x-functions-key", masterKey);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new UsageException("the host refused its admin API: pass its master key with --master-key");
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new HttpRequestException("the host has no blobs_extension key yet: it creates it once it knows its host name " +
                                           "(WEBSITE_HOSTNAME, which Core Tools sets) and the Event Grid blob trigger is enabled");
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("value").GetString()!;
    }
}
