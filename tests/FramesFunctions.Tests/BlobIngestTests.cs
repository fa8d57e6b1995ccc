using System.Text;
using Azure.Storage.Blobs;
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

    /// <summary>
    /// The Event Grid-sourced trigger, fed as the blobs extension feeds it: a BlobCreated event (Event Grid's
    /// schema, as a storage account sends it) names a blob by URL; the extension binds that blob and calls the
    /// function. Both triggers watch the same container path and run the same ingest.
    /// </summary>
    [Fact]
    public async Task ABlobCreatedEventIngestsTheBlobItNames()
    {
        var blob = await UploadAsync("well-12.csv", Encoding.UTF8.GetBytes(Csv.Of(200, ("1", 1), ("2", 2))));
        var recorded = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Data", "blob-created-event.json")))!;
        var notification = recorded[0]!;
        Assert.Equal("Microsoft.Storage.BlobCreated", (string?)notification["eventType"]);
        notification["data"]!["url"] = blob.Uri.ToString(); // this test's account (Azurite) instead of the recorded one

        var named = new BlobUriBuilder(new Uri((string)notification["data"]!["url"]!));
        var bound = azurite.Blobs.GetBlobContainerClient(named.BlobContainerName).GetBlobClient(named.BlobName);
        await new IngestBlobFunction(_db.Ingest).RunFromEventGrid(bound, default);

        Assert.Equal(2, _db.Store.FindDataset("well-12")!.RowCount);
        Assert.Equal($"{_db.Options.InputContainer}/well-12.csv", _db.Store.FindDataset("well-12")!.SourceName);

        var functions = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata"))).RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("bindings")[0]);
        var (polling, eventGrid) = (functions[Ingest.BlobTriggers.Polling], functions[Ingest.BlobTriggers.EventGrid]);
        Assert.Equal(("blobTrigger", "blobTrigger"), (polling.GetProperty("type").GetString(), eventGrid.GetProperty("type").GetString()));
        Assert.Equal(polling.GetProperty("path").GetString(), eventGrid.GetProperty("path").GetString());
        Assert.Equal("EventGrid", eventGrid.GetProperty("source").GetString());
        Assert.False(polling.TryGetProperty("source", out var source) && source.GetString() == "EventGrid");
    }

    /// <summary>A DLIS blob through the polling trigger's function: one dataset per image channel, named after
    /// the blob and the channel, with the blob as their source.</summary>
    [Fact]
    public async Task ADlisBlobBecomesADatasetPerImageChannel()
    {
        var blob = await UploadAsync("runs/two_images.DLIS", await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "two_images.dlis")));

        await new IngestBlobFunction(_db.Ingest).Run(blob, default);

        foreach (var (id, width) in new[] { ("two_images-img_a", 192), ("two_images-img_b", 56) })
        {
            var dataset = _db.Store.FindDataset(id)!;
            Assert.Equal((200, width, $"{_db.Options.InputContainer}/runs/two_images.DLIS"), (dataset.RowCount, dataset.SourceWidth, dataset.SourceName));
        }
    }

    /// <summary>A LAS blob through the same function: told by its extension, one dataset for its image.</summary>
    [Fact]
    public async Task ALasBlobBecomesADataset()
    {
        var las = new LasText().Curve("DEPT", "M").Image(i => $"AMP[{i}]", 6, "DB").Curve("GR", "GAPI");
        for (var s = 0; s < 30; s++) las.Row([500 + s * 0.2, .. Enumerable.Range(0, 6).Select(a => (double)(a + s)), 70]);
        var blob = await UploadAsync("runs/well.las", las.ToBytes());

        await new IngestBlobFunction(_db.Ingest).Run(blob, default);

        var dataset = _db.Store.FindDataset("well")!;
        Assert.Equal((30, 6, $"{_db.Options.InputContainer}/runs/well.las"), (dataset.RowCount, dataset.SourceWidth, dataset.SourceName));
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

        await new IngestBlobFunction(_db.Ingest).Run(blob, default);

        var dataset = _db.Store.FindDataset("img")!;
        Assert.Equal((5460, 150, 9000.1, 9546.0), (dataset.RowCount, dataset.Width, dataset.DepthMin, dataset.DepthMax));
        Assert.Equal($"{_db.Options.InputContainer}/img.csv", dataset.SourceName);
        Assert.Equal(5460, _db.Store.ReadFrames("img", DepthRange.All, int.MaxValue, 0)!.Count);
    }

    /// <summary>A 12 MB blob is read as one streaming GET (OpenReadAsync read it as 4 MiB ranges, each a round trip
    /// the parser waited on).</summary>
    [Fact]
    public async Task ABlobIsReadAsOneStreamingDownload()
    {
        var rows = Enumerable.Range(0, 20_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(i % 256, 200)));
        var csv = Encoding.UTF8.GetBytes(Csv.Header(200) + "\n" + string.Join("\n", rows) + "\n");
        Assert.True(csv.Length > 12_000_000);
        await UploadAsync("streamed.csv", csv);
        var counting = new CountingTransport();
        var blobs = new BlobServiceClient(azurite.ConnectionString, new BlobClientOptions { Transport = counting });
        var blob = blobs.GetBlobContainerClient(_db.Options.InputContainer).GetBlobClient("streamed.csv");

        await new IngestBlobFunction(_db.Ingest).Run(blob, default);

        Assert.Equal(20_000, _db.Store.FindDataset("streamed")!.RowCount);
        Assert.Equal(1, counting.Gets);
    }

    private sealed class CountingTransport : Azure.Core.Pipeline.HttpPipelineTransport
    {
        private readonly Azure.Core.Pipeline.HttpClientTransport _inner = new();
        private int _gets;
        public int Gets => _gets;
        public override Azure.Core.Request CreateRequest() => _inner.CreateRequest();
        public override void Process(Azure.Core.HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();
        public override ValueTask ProcessAsync(Azure.Core.HttpMessage message)
        {
            if (message.Request.Method == Azure.Core.RequestMethod.Get) Interlocked.Increment(ref _gets);
            return _inner.ProcessAsync(message);
        }
    }

    [Fact]
    public async Task ABlobDeliveredTwiceStoresItsRowsOnce()
    {
        var blob = await UploadAsync("twice.csv", Encoding.UTF8.GetBytes(Csv.Of(200, ("1", 1), ("2", 2))));
        var function = new IngestBlobFunction(_db.Ingest);
        await function.Run(blob, default);
        await function.Run(blob, default);
        Assert.Equal(2, _db.Store.ReadFrames("twice", DepthRange.All, 100, 0)!.Total);
        Assert.Equal(["unchanged", "succeeded"], _db.Store.IngestionLog("twice").Select(e => e.Status));
    }

    [Fact]
    public async Task ARejectedBlobCompletesNormallyAndLeavesThePreviousDataIntact()
    {
        var function = new IngestBlobFunction(_db.Ingest);
        var good = await UploadAsync("well.csv", Encoding.UTF8.GetBytes(Csv.Of(200, ("1", 1), ("2", 2))));
        await function.Run(good, default);

        var bad = await UploadAsync("well.csv", Encoding.UTF8.GetBytes(Csv.Of(200, ("1", 1)) + "2,oops\n"));
        await function.Run(bad, default); // no exception: the host must not retry a bad file

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
        await function.Run(first, default);
        var second = await UploadAsync("b/IMG.CSV", Encoding.UTF8.GetBytes(Csv.Of(4, ("1", 2), ("2", 2))));
        await function.Run(second, default); // completes: a retry would be rejected the same way

        var dataset = _db.Store.FindDataset("img")!;
        Assert.Equal(($"{_db.Options.InputContainer}/a/img.csv", 1), (dataset.SourceName, dataset.RowCount));
        var rejected = _db.Store.IngestionLog("img")[0];
        Assert.Equal("rejected", rejected.Status);
        Assert.Contains("a/img.csv", rejected.Error);
        Assert.Contains("b/IMG.CSV", rejected.Error);

        await first.UploadAsync(new BinaryData(Encoding.UTF8.GetBytes(Csv.Of(4, ("1", 3), ("2", 3), ("3", 3)))), overwrite: true);
        await function.Run(first, default);
        Assert.Equal(3, _db.Store.FindDataset("img")!.RowCount);
    }

    [Fact]
    public async Task ABlobWithAnInvalidNameIsRejectedNotRetried()
    {
        var blob = await UploadAsync("bad name!.csv", Encoding.UTF8.GetBytes(Csv.Of(2, ("1", 1))));
        await new IngestBlobFunction(_db.Ingest).Run(blob, default);
        Assert.Empty(_db.Store.ListDatasets());
        Assert.Contains("is not valid", _db.Store.IngestionLog()[0].Error);
    }
}
