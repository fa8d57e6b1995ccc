using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using ImageFrames.Configuration;
using ImageFrames.Parse;
using ImageFrames.Store;
using Microsoft.Extensions.Azure;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames upload FILE</c>: puts a CSV into the input container, so nobody needs another tool to try
/// the blob trigger; with <c>--event-grid</c>, then delivers the BlobCreated event Event Grid would send to a
/// local Functions host (Azurite sends none); with <c>--wait</c>, asks the running app until the dataset holds
/// exactly this file.</summary>
public static class UploadVerb
{
    public static Command Create(CliContext cli)
    {
        var file = new Argument<FileInfo>("file") { Description = "the CSV file to upload" }.AcceptExistingOnly();
        var name = new Option<string?>("--name") { Description = "blob name (default: the file name)", HelpName = "BLOB" };
        var wait = new Option<bool>("--wait") { Description = "poll the app until the dataset holds this file (same SHA-256)" };
        var api = new Option<Uri>("--api")
        {
            Description = "the app's API base for --wait",
            HelpName = "URL",
            DefaultValueFactory = _ => new Uri("http://localhost:7071/api"),
            CustomParser = CliOptions.ParseHttpUrl,
        };
        var timeout = CliOptions.WholeNumber("--timeout", "seconds --wait waits", 1, 86_400);
        var eventGrid = new Option<Uri?>("--event-grid")
        {
            Description = "after uploading, deliver the blob's BlobCreated event to this Functions host's IngestBlobEventGrid webhook (e.g. http://localhost:7071)",
            HelpName = "HOST_URL",
            CustomParser = CliOptions.ParseHttpUrl,
        };
        var masterKey = new Option<string?>("--master-key")
        {
            Description = "the host's master key, to read the blobs extension's webhook key from its admin API (--event-grid)",
            HelpName = "KEY",
        };
        var command = new Command("upload", "Upload a CSV to the input container that the blob trigger watches " +
                                            $"({StorageClient.Section}, FRAMES_INPUT_CONTAINER).") { file, name, wait, api, timeout, eventGrid, masterKey };
        command.SetAction(async (parsed, ct) =>
        {
            var source = parsed.GetValue(file)!;
            var blobs = StorageClient.Create(cli.Configuration, cli.Get<AzureComponentFactory>())
                        ?? throw new UsageException($"{StorageClient.Section} is not set (environment, or local.settings.json in this folder)");
            var blobName = parsed.GetValue(name) ?? source.Name;
            var container = blobs.GetBlobContainerClient(cli.Get<FramesOptions>().InputContainer);
            await container.CreateIfNotExistsAsync(cancellationToken: ct);
            var blob = container.GetBlobClient(blobName);
            var uploaded = await blob.UploadAsync(source.FullName, overwrite: true, ct);
            await cli.Console.Out.WriteLineAsync($"uploaded {source} to {container.Name}/{blobName}");
            if (parsed.GetValue(eventGrid) is { } host)
            {
                await BlobCreatedEvent.DeliverAsync(host, parsed.GetValue(masterKey), blob, source.Length, uploaded.Value.ETag.ToString(), ct);
                await cli.Console.Out.WriteLineAsync($"delivered BlobCreated for {container.Name}/{blobName} to {host}");
            }
            return parsed.GetValue(wait)
                ? await WaitForIngestAsync(cli, source, DatasetId.FromFileName(blobName), parsed.GetValue(api)!, parsed.GetValue(timeout) ?? 120, ct)
                : CommandLine.Ok;
        });
        return command;
    }

    private static async Task<int> WaitForIngestAsync(CliContext cli, FileInfo source, string id, Uri api, int timeoutSeconds, CancellationToken ct)
    {
        string sha;
        await using (var content = source.OpenRead()) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = $"{api.ToString().TrimEnd('/')}/datasets/{id}";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode)
                {
                    var dataset = JsonSerializer.Deserialize<DatasetInfo>(await response.Content.ReadAsStringAsync(ct), CliJson.Options)!;
                    if (dataset.Sha256 == sha)
                    {
                        await cli.Console.Out.WriteLineAsync($"ingested: dataset '{id}', {dataset.RowCount:N0} rows, depth {CliJson.Depth(dataset.DepthMin)}..{CliJson.Depth(dataset.DepthMax)}");
                        return CommandLine.Ok;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested) { } // the app may still be starting
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        await cli.Console.Error.WriteLineAsync($"'{id}' was not ingested from this file within {timeoutSeconds} s; it may have been rejected — see the app's log or `frames log --dataset {id}`");
        return CommandLine.Failed;
    }
}
