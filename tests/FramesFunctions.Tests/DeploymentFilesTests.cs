using System.Reflection;
using System.Text.Json;
using ImageFrames.Configuration;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace ImageFrames.Tests;

/// <summary>No Docker engine runs here, so the Dockerfile and compose file are checked statically against
/// the conventions they must follow, and against the settings the app really reads.</summary>
public sealed class DeploymentFilesTests
{
    private static string Read(string name) => File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, name));

    /// <summary>Every key the app binds, from the [ConfigurationKeyName] attributes of its options.</summary>
    private static readonly string[] AppSettings = typeof(FramesOptions).GetProperties()
        .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()!.Name)
        .Append(StorageClient.Section).Append(FunctionAppServices.ApplicationInsightsSetting).Append("FUNCTIONS_WORKER_RUNTIME").ToArray();

    private static YamlMappingNode Compose()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Read("docker-compose.yml")));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];
    private static YamlNode Node(YamlNode node, string key) => ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)Node(node, key)).Value!;

    [Fact]
    public void ComposeRunsAzuriteAndTheFunctionAppWithAVolumeForSqlite()
    {
        var compose = Compose();
        var services = Map(compose, "services");
        var azurite = Map(services, "azurite");
        Assert.StartsWith("mcr.microsoft.com/azure-storage/azurite", Scalar(azurite, "image"));
        var command = Scalar(azurite, "command");
        foreach (var flag in new[] { "--blobHost 0.0.0.0", "--queueHost 0.0.0.0", "--tableHost 0.0.0.0", "--skipApiVersionCheck" }) Assert.Contains(flag, command);
        Assert.Contains("azurite-data:/data", ((YamlSequenceNode)Node(azurite, "volumes")).Select(v => v.ToString()));
        Assert.True(Map(azurite, "healthcheck").Children.ContainsKey("test"));

        var functions = Map(services, "functions");
        Assert.Equal(".", Scalar(functions, "build"));
        Assert.Equal("service_healthy", Scalar(Map(Map(functions, "depends_on"), "azurite"), "condition"));
        Assert.Equal("unless-stopped", Scalar(functions, "restart"));
        Assert.Contains("8080:8080", ((YamlSequenceNode)Node(functions, "ports")).Select(p => p.ToString()));
        Assert.Contains("frames-data:/data", ((YamlSequenceNode)Node(functions, "volumes")).Select(v => v.ToString()));
        Assert.Contains("probe", Node(Map(functions, "healthcheck"), "test").ToString());
        var limits = Map(Map(Map(functions, "deploy"), "resources"), "limits");
        Assert.True(limits.Children.ContainsKey("cpus") && limits.Children.ContainsKey("memory"));
        Assert.Equal("json-file", Scalar(Map(functions, "logging"), "driver"));
        Assert.True(Map(compose, "volumes").Children.ContainsKey("frames-data"));

        var environment = Map(functions, "environment");
        var storage = Scalar(environment, "AzureWebJobsStorage");
        foreach (var endpoint in new[] { "BlobEndpoint=http://azurite:10000/devstoreaccount1", "QueueEndpoint=http://azurite:10001/devstoreaccount1", "TableEndpoint=http://azurite:10002/devstoreaccount1" })
            Assert.Contains(endpoint, storage);
        Assert.DoesNotContain("UseDevelopmentStorage", storage);
        Assert.False(string.IsNullOrWhiteSpace(Scalar(environment, "AzureFunctionsWebHost__hostid")));
        Assert.Equal("/data/frames.db", Scalar(environment, "FRAMES_DB_PATH"));
        Assert.Equal("files", Scalar(environment, "AzureWebJobsSecretStorageType"));
        Assert.StartsWith("/data/", Scalar(environment, "FUNCTIONS_SECRETS_PATH")); // on the volume the app user owns
        foreach (var setting in AppSettings) Assert.True(environment.Children.ContainsKey(setting), $"compose lacks {setting}");
        Assert.Equal("${ADMIN_TOKEN:-}", Scalar(environment, "ADMIN_TOKEN")); // from the operator's environment, no default
    }

    /// <summary>The host resolves %NAME% in trigger attributes itself and fails to start without the setting.</summary>
    [Fact]
    public void EverySettingTheHostResolvesFromTriggerAttributesIsProvided()
    {
        var metadata = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata"));
        var names = System.Text.RegularExpressions.Regex.Matches(metadata, "%([A-Za-z0-9_]+)%").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Contains("FRAMES_INPUT_CONTAINER", names);
        Assert.Contains("FRAMES_RECONCILE_SCHEDULE", names);
        var example = JsonDocument.Parse(Read("local.settings.example.json")).RootElement.GetProperty("Values");
        var compose = Map(Map(Map(Compose(), "services"), "functions"), "environment");
        foreach (var name in names)
        {
            Assert.False(string.IsNullOrEmpty(example.GetProperty(name).GetString()), $"local.settings.example.json lacks {name}");
            Assert.False(string.IsNullOrEmpty(Scalar(compose, name)), $"compose lacks {name}");
        }
    }

    [Fact]
    public void TheOptionalUploaderUsesTheSameStorageAndContainerAsTheApp()
    {
        var services = Map(Compose(), "services");
        var uploader = Map(services, "uploader");
        Assert.Equal("upload", ((YamlSequenceNode)Node(uploader, "profiles"))[0].ToString());
        Assert.Contains("frames upload", Node(uploader, "entrypoint").ToString());
        foreach (var setting in new[] { "AzureWebJobsStorage", "FRAMES_INPUT_CONTAINER" })
            Assert.Equal(Scalar(Map(Map(services, "functions"), "environment"), setting), Scalar(Map(uploader, "environment"), setting));
    }

    [Fact]
    public void TheExampleSettingsHoldEverySettingTheAppReads()
    {
        var values = JsonDocument.Parse(Read("local.settings.example.json")).RootElement.GetProperty("Values");
        foreach (var setting in AppSettings) Assert.True(values.TryGetProperty(setting, out _), $"local.settings.example.json lacks {setting}");
        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("UseDevelopmentStorage=true", values.GetProperty("AzureWebJobsStorage").GetString());
        Assert.Equal("", values.GetProperty("ADMIN_TOKEN").GetString()); // no token ships: admin stays off until one is set

        // And the example values are valid: binding them passes the same validation as start-up.
        var config = new ConfigurationBuilder().AddInMemoryCollection(values.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString()))).Build();
        Assert.Equal(150, FramesOptions.From(config).TargetWidth);
    }

    [Fact]
    public void TheDockerfileBuildsWithTheSdkAndRunsOnTheFunctionsImageAsNonRoot()
    {
        var lines = Read("Dockerfile").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        var stages = lines.Where(l => l.StartsWith("FROM ")).ToArray();
        Assert.Equal(2, stages.Length);
        Assert.Equal("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", stages[0]);
        Assert.StartsWith("FROM mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0", stages[1]);

        var final = lines.SkipWhile(l => l != stages[1]).ToArray();
        Assert.Contains(final, l => l.Contains("AzureWebJobsScriptRoot=/home/site/wwwroot"));
        Assert.Contains(final, l => l.StartsWith("COPY --from=build /home/site/wwwroot"));
        Assert.DoesNotContain(final, l => l.StartsWith("RUN dotnet") || l.Contains("apt-get install"));
        var user = Assert.Single(final, l => l.StartsWith("USER "));
        Assert.NotEqual("USER root", user);
        Assert.Contains(final, l => l.StartsWith("HEALTHCHECK"));
        Assert.Contains(final, l => l.Contains("/api/health"));
        Assert.Contains("bin/", Read(".dockerignore"));
    }

    [Fact]
    public void HostJsonQuietsTheAzureSdkAndSetsBlobOptions()
    {
        var host = JsonDocument.Parse(Read("host.json")).RootElement;
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal("Warning", host.GetProperty("logging").GetProperty("logLevel").GetProperty("Azure.Core").GetString());
        Assert.True(host.GetProperty("extensions").GetProperty("blobs").TryGetProperty("maxDegreeOfParallelism", out _));
        // The host queues (then answers 429) beyond these, so a burst cannot pile unbounded work on the worker.
        var http = host.GetProperty("extensions").GetProperty("http");
        Assert.InRange(http.GetProperty("maxConcurrentRequests").GetInt32(), 1, 100);
        Assert.True(http.GetProperty("maxOutstandingRequests").GetInt32() >= http.GetProperty("maxConcurrentRequests").GetInt32());
    }
}
