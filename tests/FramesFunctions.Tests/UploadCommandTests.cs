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
            await new IngestBlobFunction(_db.Ingest).Run(blob, default);
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
