using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageFrames.Tests;

/// <summary>The app's blob client comes from the same AzureWebJobsStorage section the Functions host reads,
/// connection string or identity-based, so the sweep, health and upload work wherever the trigger does.</summary>
public sealed class StorageClientTests
{
    private static BlobServiceClient? Resolve(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)).Append(KeyValuePair.Create("FRAMES_DB_PATH", (string?)"unused.db")))
            .Build();
        return new ServiceCollection().AddLogging().AddImageFramesCore(configuration).BuildServiceProvider().GetService<BlobServiceClient>();
    }

    [Fact]
    public void IdentityBasedConnectionsGiveAClientForTheAccount()
    {
        var byName = Resolve(("AzureWebJobsStorage:accountName", "framesdata"), ("AzureWebJobsStorage:credential", "managedidentity"));
        Assert.Equal("https://framesdata.blob.core.windows.net/", byName!.Uri.ToString());
        Assert.Equal("framesdata", byName.AccountName);

        var byUri = Resolve(("AzureWebJobsStorage:blobServiceUri", "https://other.blob.core.windows.net"), ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"));
        Assert.Equal("https://other.blob.core.windows.net/", byUri!.Uri.ToString());
        Assert.False(byUri.CanGenerateAccountSasUri); // a token credential, no key
    }

    [Fact]
    public void AConnectionStringOrNothing()
    {
        Assert.Equal("devstoreaccount1", Resolve(("AzureWebJobsStorage", "UseDevelopmentStorage=true"))!.AccountName);
        Assert.Null(Resolve());
    }
}
