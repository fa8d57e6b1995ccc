using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace ImageFrames.Tests;

/// <summary>The compose file's Azurite: the image is the version the tests run (package.json), and its health
/// check needs nothing but busybox wget (newer Azurite images have no node) and passes against a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteHealthcheckTests(AzuriteFixture azurite)
{
    private static YamlMappingNode AzuriteService()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docker-compose.yml"))));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        return (YamlMappingNode)services.Children[new YamlScalarNode("azurite")];
    }

    [Fact]
    public void TheImageIsPinnedToTheVersionTheTestsRun()
    {
        var image = AzuriteService().Children[new YamlScalarNode("image")].ToString();
        var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "package.json")));
        var version = package.RootElement.GetProperty("devDependencies").GetProperty("azurite").GetString();
        Assert.Matches(@"^\d+\.\d+\.\d+$", version); // an exact version, not a range
        Assert.Equal($"mcr.microsoft.com/azure-storage/azurite:{version}", image);
    }

    [Fact]
    public async Task TheHealthCheckIsAPlainHttpGetThatAzuriteAnswers()
    {
        var healthcheck = (YamlMappingNode)AzuriteService().Children[new YamlScalarNode("healthcheck")];
        var test = ((YamlSequenceNode)healthcheck.Children[new YamlScalarNode("test")]).Select(n => n.ToString()).ToList();
        Assert.Equal(["CMD", "wget", "-q", "-O", "/dev/null"], test[..5]);
        Assert.Equal(6, test.Count);
        var url = new Uri(test[5]);
        Assert.Equal((10000, "/devstoreaccount1"), (url.Port, url.AbsolutePath)); // the blob port inside the container

        // wget fails on any status but 2xx: the same request against this test run's Azurite must be a 200, and
        // without the SAS the same path is refused (so the check does not pass by accident).
        using var http = new HttpClient();
        var here = new UriBuilder(url) { Port = azurite.BlobPort }.Uri;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(here)).StatusCode);
        var unsigned = new UriBuilder(here) { Query = "restype=service&comp=properties" }.Uri;
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await http.GetAsync(unsigned)).StatusCode);
    }
}
