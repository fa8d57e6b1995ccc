using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;

namespace ImageFrames.Configuration;

/// <summary>
/// The blob client for the storage the trigger watches, read from the same <c>AzureWebJobsStorage</c> section
/// the Functions host reads: a connection string (Azurite, keys), or an identity-based connection —
/// <c>AzureWebJobsStorage__blobServiceUri</c> (or <c>__serviceUri</c>, or <c>__accountName</c> for the public
/// cloud) with <c>__credential</c>/<c>__clientId</c>/<c>__tenantId</c> turned into a token credential by
/// Microsoft.Extensions.Azure exactly as the host does (managed identity in Azure, developer sign-in locally).
/// </summary>
public static class StorageClient
{
    public const string Section = "AzureWebJobsStorage";

    /// <summary>Null when no storage is configured (the health route says so; the sweep has nothing to list).</summary>
    public static BlobServiceClient? Create(IConfiguration configuration, AzureComponentFactory credentials)
    {
        var section = configuration.GetSection(Section);
        if (!string.IsNullOrWhiteSpace(section.Value)) return new BlobServiceClient(section.Value);
        var uri = section["blobServiceUri"] ?? section["serviceUri"]
                  ?? (section["accountName"] is { Length: > 0 } account ? $"https://{account}.blob.core.windows.net" : null);
        return uri is null ? null : new BlobServiceClient(new Uri(uri), credentials.CreateTokenCredential(section));
    }
}
