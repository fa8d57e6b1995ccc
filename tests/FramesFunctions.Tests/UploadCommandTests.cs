using System.Text;
using Azure.Storage.Blobs;
using ImageFrames.Functions;
using Microsoft.Extensions.Configuration;

namespace ImageFrames.Tests;

/// <summary>The CLI's upload verb against a real Azurite, and its --wait against a real HTTP endpoint that
/// answers from the function code's own dataset route.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class UploadCommandTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TempDatabase _db = new(o => o.InputContainer = "up-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose() => _db.Dispose();

    private Microsoft.Extensions.Configuration.IConfiguration Settings() =>
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["FRAMES_INPUT_CONTAINER"] = _db.Options.InputContainer,
            ["FRAMES_DB_PATH"] = _db.Options.DatabasePath,
        }).Build();

    [Fact]
    public async Task UploadPutsTheFileIntoTheInputContainerAndWaitsForItsIngest()
    {
        var file = Path.Combine(_db.Folder, "well-7.csv");
        await File.WriteAllTextAsync(file, Csv.Of(200, ("1", 1), ("2", 2), ("3", 3)));

        // Stands in for the running app: an HTTP endpoint backed by the real route code, and the blob
        // function run on the uploaded blob once it appears.
        using var http = new HttpHarness(o => o.DatabasePath = _db.Options.DatabasePath);
        await using var app = new StandInServer("/api/", async context =>
        {
            var id = context.Request.Url!.AbsolutePath.Split('/')[^1];
            var answer = await HttpHarness.SendAsync(HttpHarness.Request(), http.Functions.GetDataset(HttpHarness.Request(), id));
            context.Response.StatusCode = answer.Status;
            await context.Response.OutputStream.WriteAsync(answer.Body);
        });
        var prefix = app.Url;
        var ingesting = Task.Run(async () =>
        {
            var container = azurite.Blobs.GetBlobContainerClient(_db.Options.InputContainer);
            var blob = container.GetBlobClient("well-7.csv");
            while (!(await container.ExistsAsync()) || !(await blob.ExistsAsync())) await Task.Delay(100);
            await new IngestBlobFunction(_db.Ingest).Run(blob, default);
        });

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Cli.CommandLine.RunAsync(["upload", file, "--wait", "--api", prefix, "--timeout", "60"], stdout, stderr, Settings());

        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains($"uploaded {file} to {_db.Options.InputContainer}/well-7.csv", stdout.ToString());
        Assert.Contains("ingested: dataset 'well-7', 3 rows", stdout.ToString());
        await ingesting;
    }

    /// <summary>
    /// <c>upload --event-grid</c> against a stand-in Functions host that answers as the real one does: its admin
    /// API hands out the blobs extension's key to the master key, and its webhook, given that key and a BlobCreated
    /// notification, binds the blob the event names and runs the Event Grid-sourced function on it.
    /// </summary>
    [Fact]
    public async Task UploadWithEventGridDeliversBlobCreatedToTheHostsWebhook()
    {
        var file = Path.Combine(_db.Folder, "well-9.csv");
        await File.WriteAllTextAsync(file, Csv.Of(200, ("1", 1), ("2", 2)));
        const string masterKey = "master-key-for-the-test", webhookKey = "blobs-extension-key";
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var functionsHost = new StandInServer("/", async context =>
        {
            var request = context.Request;
            requests.Enqueue($"{request.HttpMethod} {request.Url!.PathAndQuery}");
            if (request.Url.AbsolutePath == "/admin/host/systemkeys/blobs_extension")
            {
                context.Response.StatusCode = request.Headers["x-functions-key"] == masterKey ? 200 : 401;
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"name":"blobs_extension","value":"{{webhookKey}}"}"""));
            }
            else if (request.Url.AbsolutePath == "/runtime/webhooks/blobs" && request.QueryString["code"] == webhookKey
                     && request.QueryString["functionName"] == "Host.Functions." + Ingest.BlobTriggers.EventGrid && request.Headers["aeg-event-type"] == "Notification")
            {
                var notification = System.Text.Json.JsonDocument.Parse(request.InputStream).RootElement[0];
                Assert.Equal("Microsoft.Storage.BlobCreated", notification.GetProperty("eventType").GetString());
                Assert.Equal($"/blobServices/default/containers/{_db.Options.InputContainer}/blobs/well-9.csv", notification.GetProperty("subject").GetString());
                var named = new BlobUriBuilder(new Uri(notification.GetProperty("data").GetProperty("url").GetString()!));
                await new IngestBlobFunction(_db.Ingest).RunFromEventGrid(azurite.Blobs.GetBlobContainerClient(named.BlobContainerName).GetBlobClient(named.BlobName), default);
                context.Response.StatusCode = 202;
            }
            else context.Response.StatusCode = 404;
        });
        var host = functionsHost.Url;

        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await Cli.CommandLine.RunAsync(["upload", file, "--event-grid", host, "--master-key", masterKey], stdout, stderr, Settings());
        var refused = await Cli.CommandLine.RunAsync(["upload", file, "--event-grid", host], new StringWriter(), stderr, Settings());

        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains($"delivered BlobCreated for {_db.Options.InputContainer}/well-9.csv", stdout.ToString());
        Assert.Equal(2, _db.Store.FindDataset("well-9")!.RowCount);
        Assert.Equal(2, refused); // no master key: a usage error that says which option is missing
        Assert.Contains("--master-key", stderr.ToString());
        Assert.Contains(requests, r => r.StartsWith("POST /runtime/webhooks/blobs?functionName=Host.Functions.IngestBlobEventGrid&code=" + webhookKey));
    }

    [Fact]
    public async Task UploadWithoutStorageSettingsSaysWhatIsMissing()
    {
        var stderr = new StringWriter();
        var settings = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var exit = await Cli.CommandLine.RunAsync(["upload", TestPaths.SampleCsv], new StringWriter(), stderr, settings);
        Assert.Equal(2, exit);
        Assert.Contains("AzureWebJobsStorage is not set", stderr.ToString());
    }
}
