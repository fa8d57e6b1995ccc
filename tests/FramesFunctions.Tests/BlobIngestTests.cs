using System.Text;
using Microsoft.Extensions.Configuration;
using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using ImageFrames.Functions;
using ImageFrames.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>The blob function's own code on real blob streams from a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobIngestTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TempDatabase _db = new(o => o.InputContainer = "in-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose() => _db.Dispose();

    private async Task<BlobContainerClient> ContainerAsync()
    {
        await new InputContainerInitializer(azurite.Blobs, _db.Options, NullLogger<InputContainerInitializer>.Instance).StartAsync(default);
        return azurite.Blobs.GetBlobContainerClient(_db.Options.InputContainer);
    }

    private async Task<BlobClient> UploadAsync(string name, byte[] content)
    {
        var blob = (await ContainerAsync()).GetBlobClient(name);
        await blob.UploadAsync(new BinaryData(content), overwrite: true);
        return blob;
    }

    [Fact]
    public async Task TheStartupInitializerCreatesTheInputContainer()
    {
        var container = azurite.Blobs.GetBlobContainerClient(_db.Options.InputContainer);
        Assert.False(await container.ExistsAsync());
        await ContainerAsync();
        Assert.True(await container.ExistsAsync());
    }

    [Fact]
    public async Task ABlobBecomesADataset()
    {
        var blob = await UploadAsync("img.csv", await File.ReadAllBytesAsync(TestPaths.SampleCsv));

        await new IngestBlobFunction(_db.Ingest).Run(blob, "img.csv", default);

        var dataset = _db.Store.FindDataset("img")!;
        Assert.Equal((5460, 150, 9000.1, 9546.0), (dataset.RowCount, dataset.Width, dataset.DepthMin, dataset.DepthMax));
        Assert.Equal($"{_db.Options.InputContainer}/img.csv", dataset.SourceName);
        Assert.Equal(5460, _db.Store.ReadFrames("img", DepthRange.All, int.MaxValue, 0)!.Count);
    }

    [Fact]
    public async Task ABlobDeliveredTwiceStoresItsRowsOnce()
    {
        var blob = await UploadAsync("twice.csv", Encoding.UTF8.GetBytes(Csv.Of(200, ("1", 1), ("2", 2))));
        var function = new IngestBlobFunction(_db.Ingest);
        await function.Run(blob, "twice.csv", default);
        await function.Run(blob, "twice.csv", default);
        Assert.Equal(2, _db.Store.ReadFrames("twice", DepthRange.All, 100, 0)!.Total);
        Assert.Equal(["unchanged", "succeeded"], _db.Store.IngestionLog("twice").Select(e => e.Status));
    }

    [Fact]
    public async Task ARejectedBlobCompletesNormallyAndLeavesThePreviousDataIntact()
    {
        var function = new IngestBlobFunction(_db.Ingest);
        var good = await UploadAsync("well.csv", Encoding.UTF8.GetBytes(Csv.Of(200, ("1", 1), ("2", 2))));
        await function.Run(good, "well.csv", default);

        var bad = await UploadAsync("well.csv", Encoding.UTF8.GetBytes(Csv.Of(200, ("1", 1)) + "2,oops\n"));
        await function.Run(bad, "well.csv", default); // no exception: the host must not retry a bad file

        Assert.Equal([1.0, 2.0], _db.Store.ReadFrames("well", DepthRange.All, 100, 0)!.Depths.ToArray());
        var last = _db.Store.IngestionLog("well")[0];
        Assert.Equal("rejected", last.Status);
        Assert.Contains("line 3", last.Error);
    }

    /// <summary>a/img.csv and b/IMG.CSV both map to dataset "img": the second is rejected naming both, and the
    /// first blob can still replace its own dataset.</summary>
    [Fact]
    public async Task ABlobNeverReplacesADatasetFromAnotherBlobPath()
    {
        var function = new IngestBlobFunction(_db.Ingest);
        var first = await UploadAsync("a/img.csv", Encoding.UTF8.GetBytes(Csv.Of(4, ("1", 1))));
        await function.Run(first, "a/img.csv", default);
        var second = await UploadAsync("b/IMG.CSV", Encoding.UTF8.GetBytes(Csv.Of(4, ("1", 2), ("2", 2))));
        await function.Run(second, "b/IMG.CSV", default); // completes: a retry would be rejected the same way

        var dataset = _db.Store.FindDataset("img")!;
        Assert.Equal(($"{_db.Options.InputContainer}/a/img.csv", 1), (dataset.SourceName, dataset.RowCount));
        var rejected = _db.Store.IngestionLog("img")[0];
        Assert.Equal("rejected", rejected.Status);
        Assert.Contains("a/img.csv", rejected.Error);
        Assert.Contains("b/IMG.CSV", rejected.Error);

        await first.UploadAsync(new BinaryData(Encoding.UTF8.GetBytes(Csv.Of(4, ("1", 3), ("2", 3), ("3", 3)))), overwrite: true);
        await function.Run(first, "a/img.csv", default);
        Assert.Equal(3, _db.Store.FindDataset("img")!.RowCount);
    }

    [Fact]
    public async Task ABlobWithAnInvalidNameIsRejectedNotRetried()
    {
        var blob = await UploadAsync("bad name!.csv", Encoding.UTF8.GetBytes(Csv.Of(2, ("1", 1))));
        await new IngestBlobFunction(_db.Ingest).Run(blob, "bad name!.csv", default);
        Assert.Empty(_db.Store.ListDatasets());
        Assert.Contains("is not valid", _db.Store.IngestionLog()[0].Error);
    }
}

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
        using var listener = new System.Net.HttpListener();
        var prefix = $"http://127.0.0.1:{AzuriteFixture.FreePort()}/api/";
        listener.Prefixes.Add(prefix);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                var id = context.Request.Url!.AbsolutePath.Split('/')[^1];
                var answer = await HttpHarness.SendAsync(HttpHarness.Request(), http.Functions.GetDataset(HttpHarness.Request(), id));
                context.Response.StatusCode = answer.Status;
                await context.Response.OutputStream.WriteAsync(answer.Body);
                context.Response.Close();
            }
        });
        var ingesting = Task.Run(async () =>
        {
            var container = azurite.Blobs.GetBlobContainerClient(_db.Options.InputContainer);
            var blob = container.GetBlobClient("well-7.csv");
            while (!(await container.ExistsAsync()) || !(await blob.ExistsAsync())) await Task.Delay(100);
            await new IngestBlobFunction(_db.Ingest).Run(blob, "well-7.csv", default);
        });

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await Cli.CommandLine.RunAsync(["upload", file, "--wait", "--api", prefix, "--timeout", "60"], stdout, stderr, Settings());

        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains($"uploaded {file} to {_db.Options.InputContainer}/well-7.csv", stdout.ToString());
        Assert.Contains("ingested: dataset 'well-7', 3 rows", stdout.ToString());
        await ingesting;
        listener.Stop();
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

[Collection(AzuriteCollection.Name)]
public sealed class HealthStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task HealthReportsWhetherStorageAnswers()
    {
        using var db = new TempDatabase();
        var cache = new Serve.ResponseCache(db.Options, db.Store);
        var reachable = new Serve.FramesApi(db.Store, db.Ingest, cache, new Serve.RenderGate(), db.Options, azurite.Blobs);
        Assert.Contains("\"storage\":\"ok\"", Encoding.UTF8.GetString((await reachable.HealthAsync(default)).Body));

        var options = new BlobClientOptions { Retry = { MaxRetries = 0 } };
        var unreachable = new Serve.FramesApi(db.Store, db.Ingest, cache, new Serve.RenderGate(), db.Options, new BlobServiceClient(AzuriteFixture.DevelopmentAccount(9, 9, 9), options));
        var health = await unreachable.HealthAsync(default);
        Assert.Equal(200, health.Status); // storage down is reported, but the service still answers reads
        Assert.Contains("\"storage\":\"unreachable\"", Encoding.UTF8.GetString(health.Body));
    }
}
