using System.Text;
using Azure.Storage.Blobs;

namespace ImageFrames.Tests;

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
