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
        Assert.Equal("", Scalar(environment, "FRAMES_POSTGRES")); // SQLite on the volume
        // The connection string reaches each Azurite service by the compose service name, on the ports Azurite
        // serves (its defaults, also published), with the well-known development account.
        var storage = Scalar(environment, "AzureWebJobsStorage").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var published = ((YamlSequenceNode)Node(azurite, "ports")).Select(p => p.ToString().Split(':')[1]).ToHashSet();
        foreach (var (name, port) in new[] { ("BlobEndpoint", 10000), ("QueueEndpoint", 10001), ("TableEndpoint", 10002) })
        {
            var endpoint = new Uri(storage[name]);
            Assert.Equal(("azurite", port, "/devstoreaccount1"), (endpoint.Host, endpoint.Port, endpoint.AbsolutePath));
            Assert.Contains(port.ToString(), published);
        }
        Assert.Equal("devstoreaccount1", new Azure.Storage.Blobs.BlobServiceClient(Scalar(environment, "AzureWebJobsStorage")).AccountName);
        Assert.False(string.IsNullOrWhiteSpace(Scalar(environment, "AzureFunctionsWebHost__hostid")));
        Assert.Equal("/data/frames.db", Scalar(environment, "FRAMES_DB_PATH"));
        Assert.Equal("files", Scalar(environment, "AzureWebJobsSecretStorageType"));
        Assert.StartsWith("/data/", Scalar(environment, "FUNCTIONS_SECRETS_PATH")); // on the volume the app user owns
        foreach (var setting in AppSettings) Assert.True(environment.Children.ContainsKey(setting), $"compose lacks {setting}");
        Assert.Equal("${ADMIN_TOKEN:-}", Scalar(environment, "ADMIN_TOKEN")); // from the operator's environment, no default
    }

    /// <summary>A mapping with its YAML merge key (<c>&lt;&lt;: *anchor</c>) applied, as Compose reads it: own keys win.</summary>
    private static YamlMappingNode Merged(YamlMappingNode node)
    {
        var merged = new YamlMappingNode();
        if (node.Children.TryGetValue(new YamlScalarNode("<<"), out var anchor))
            foreach (var (key, value) in (YamlMappingNode)anchor) merged.Children[key] = value;
        foreach (var (key, value) in node.Children.Where(c => c.Key.ToString() != "<<")) merged.Children[key] = value;
        return merged;
    }

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        Merged(Map(service, "environment")).Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString());

    [Fact]
    public void TheScaleProfileRunsTwoInstancesOfOneAppOnOnePostgres()
    {
        var services = Map(Compose(), "services");
        var postgres = Map(services, "postgres");
        Assert.StartsWith("postgres:", Scalar(postgres, "image"));
        Assert.Contains("pg_isready", Node(Map(postgres, "healthcheck"), "test").ToString());
        Assert.Contains(((YamlSequenceNode)Node(postgres, "volumes")).Select(v => v.ToString()), v => v.StartsWith("postgres-data:"));
        var database = Environment(postgres);

        var single = Environment(Map(services, "functions"));
        Assert.Equal("", single["FRAMES_POSTGRES"]); // the default stack stays on SQLite
        var instances = new[] { "scale-1", "scale-2" }.Select(name => Merged(Map(services, name))).ToArray();
        var ports = new HashSet<string>();
        foreach (var instance in instances)
        {
            Assert.Equal("scale", ((YamlSequenceNode)Node(instance, "profiles"))[0].ToString());
            Assert.Equal("service_healthy", Scalar(Map(Map(instance, "depends_on"), "postgres"), "condition"));
            Assert.Equal("service_healthy", Scalar(Map(Map(instance, "depends_on"), "azurite"), "condition"));
            var environment = Environment(instance);
            foreach (var setting in AppSettings) Assert.True(environment.ContainsKey(setting), $"{setting} missing from a scale instance");
            // The same storage and container as the single-machine app; its own host id, shared by both instances.
            Assert.Equal(single["AzureWebJobsStorage"], environment["AzureWebJobsStorage"]);
            Assert.Equal(single["FRAMES_INPUT_CONTAINER"], environment["FRAMES_INPUT_CONTAINER"]);
            Assert.NotEqual(single["AzureFunctionsWebHost__hostid"], environment["AzureFunctionsWebHost__hostid"]);
            // The connection string reaches the postgres service with the database, user and password it creates.
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(environment["FRAMES_POSTGRES"]);
            Assert.Equal(("postgres", database["POSTGRES_DB"], database["POSTGRES_USER"], database["POSTGRES_PASSWORD"]),
                (connection.Host, connection.Database, connection.Username, connection.Password));
            ports.Add(((YamlSequenceNode)Node(instance, "ports"))[0].ToString().Split(':')[0]);
        }
        Assert.Equal(Environment(instances[0]), Environment(instances[1]));
        Assert.Equal(2, ports.Count);
        Assert.DoesNotContain("8080", ports);
    }

    /// <summary>The host resolves %NAME% in trigger attributes itself and fails to start without the setting.</summary>
    [Fact]
    public void EverySettingTheHostResolvesFromTriggerAttributesIsProvided()
    {
        var metadata = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata"));
        var names = System.Text.RegularExpressions.Regex.Matches(metadata, "%([A-Za-z0-9_]+)%").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.Contains("FRAMES_INPUT_CONTAINER", names);
        Assert.Contains("FRAMES_RECONCILE_SCHEDULE", names);
        Assert.Contains("FRAMES_BACKUP_SCHEDULE", names);
        var example = JsonDocument.Parse(Read("local.settings.example.json")).RootElement.GetProperty("Values");
        var compose = Map(Map(Map(Compose(), "services"), "functions"), "environment");
        foreach (var name in names)
        {
            Assert.False(string.IsNullOrEmpty(example.GetProperty(name).GetString()), $"local.settings.example.json lacks {name}");
            Assert.False(string.IsNullOrEmpty(Scalar(compose, name)), $"compose lacks {name}");
        }
    }

    /// <summary>Azurite has no Event Grid: locally and in compose the polling trigger runs and the Event Grid one
    /// is off (the Bicep does the opposite, see <see cref="InfrastructureTests"/>).</summary>
    [Fact]
    public void LocallyThePollingBlobTriggerRunsAndTheEventGridOneIsOff()
    {
        var example = JsonDocument.Parse(Read("local.settings.example.json")).RootElement.GetProperty("Values");
        var compose = Environment(Map(Map(Compose(), "services"), "functions"));
        foreach (var (function, disabled) in new[] { ("IngestBlob", "false"), ("IngestBlobEventGrid", "true") })
        {
            Assert.Equal(disabled, example.GetProperty($"AzureWebJobs.{function}.Disabled").GetString());
            Assert.Equal(disabled, compose[$"AzureWebJobs.{function}.Disabled"]);
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


    /// <summary>What the image must do, checked through the relations between its instructions: the SDK and
    /// the runtime match the projects' target framework; everything published is copied into the final stage;
    /// the app runs as a user the image creates; the port it listens on is the one exposed, probed and mapped.</summary>
    [Fact]
    public void TheDockerfileBuildsWithTheSdkAndRunsOnTheFunctionsImageAsNonRoot()
    {
        var framework = System.Xml.Linq.XDocument.Load(Path.Combine(TestPaths.RepositoryRoot, "Directory.Build.props")).Descendants("TargetFramework").Single().Value; // net10.0
        var version = framework["net".Length..];
        var stages = DockerfileStages.Read();
        Assert.Equal(2, stages.Count);
        var (build, runtime) = (stages[0], stages[1]);
        Assert.Equal($"mcr.microsoft.com/dotnet/sdk:{version}", build.Image);
        Assert.Matches($"^mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated{System.Text.RegularExpressions.Regex.Escape(version)}", runtime.Image);

        // Every project published in the build stage exists, and its output is copied into the runtime stage.
        var publishes = build.Lines.SelectMany(l => System.Text.RegularExpressions.Regex.Matches(l, @"dotnet publish (\S+) .*?-o (\S+)").Select(m => (Project: m.Groups[1].Value, Output: m.Groups[2].Value))).ToList();
        Assert.Contains(publishes, p => p.Project.EndsWith("FramesFunctions.csproj"));
        Assert.Contains(publishes, p => p.Project.EndsWith("ImageFrames.Cli.csproj"));
        foreach (var (project, output) in publishes)
        {
            Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, project)), $"{project} is published but does not exist");
            Assert.Contains(runtime.Lines, l => l == $"COPY --from={build.Name} {output} {output}");
        }
        Assert.Contains(runtime.Lines, l => l.Contains("AzureWebJobsScriptRoot=/home/site/wwwroot"));
        Assert.DoesNotContain(runtime.Lines, l => l.StartsWith("RUN dotnet") || l.Contains("apt-get install")); // no build tools in the image

        // A non-root user, created before it is used, owns the data volume.
        var user = Assert.Single(runtime.Lines, l => l.StartsWith("USER ")).Split(' ')[1];
        Assert.NotEqual("root", user);
        Assert.Contains(runtime.Lines.TakeWhile(l => !l.StartsWith("USER ")), l => l.Contains($"useradd") && l.Contains($" {user}") && l.Contains($"chown -R {user}:{user} /data"));

        // One port: the one the host listens on is exposed, probed by the healthcheck (with the CLI the image
        // installs as `frames`) and published by compose.
        var port = System.Text.RegularExpressions.Regex.Match(string.Join(" ", runtime.Lines), @"ASPNETCORE_URLS=http://\+:(\d+)").Groups[1].Value;
        Assert.Contains($"EXPOSE {port}", runtime.Lines);
        var health = Assert.Single(runtime.Lines, l => l.StartsWith("HEALTHCHECK"));
        Assert.Contains($"\"frames\", \"probe\", \"http://localhost:{port}/api/health\"", health);
        Assert.Contains(runtime.Lines, l => l.Contains("/usr/local/bin/frames") && l.Contains("/opt/frames/frames.dll"));
        Assert.Contains(publishes, p => p.Output == "/opt/frames" && p.Project.EndsWith("ImageFrames.Cli.csproj"));
        Assert.Contains($"8080:{port}", ((YamlSequenceNode)Node(Map(Map(Compose(), "services"), "functions"), "ports")).Select(p => p.ToString()));
        Assert.Contains("bin/", Read(".dockerignore"));
    }

    /// <summary>What running the image as shipped showed: no BuildKit frontend to pull, one platform's native
    /// files, precompiled code, and a command that passes SIGTERM on to the host (ContainerStartTests runs it).</summary>
    [Fact]
    public void TheImageBuildsOfflinePublishesForLinuxX64ReadyToRunAndStopsGracefully()
    {
        Assert.DoesNotContain(Read("Dockerfile").Split('\n'), l => l.TrimStart().StartsWith("# syntax=", StringComparison.OrdinalIgnoreCase));
        var (build, runtime) = (DockerfileStages.Read()[0], DockerfileStages.Read()[1]);
        var restores = build.Lines.Where(l => l.StartsWith("RUN ")).SelectMany(l => l.Split("&&")).Where(c => c.Contains("dotnet restore")).ToList();
        var publishes = build.Lines.Where(l => l.StartsWith("RUN ")).SelectMany(l => l.Split("&&")).Where(c => c.Contains("dotnet publish")).ToList();
        Assert.Equal(2, restores.Count);
        Assert.Equal(2, publishes.Count);
        // --no-restore publishes need a restore for the same runtime and the ReadyToRun compiler package.
        foreach (var command in restores.Concat(publishes))
        {
            Assert.Contains("-r linux-x64", command);
            Assert.Contains("-p:PublishReadyToRun=true", command);
        }
        foreach (var publish in publishes) Assert.Contains("--self-contained false", publish); // on the base image's .NET

        Assert.Contains(runtime.Lines, l => l == "COPY scripts/container-start.sh /opt/startup/frames-start.sh");
        Assert.Contains(runtime.Lines, l => l.StartsWith("RUN ") && l.Contains("chmod 755") && l.Contains("/opt/startup/frames-start.sh"));
        Assert.Equal("CMD [\"/opt/startup/frames-start.sh\"]", Assert.Single(runtime.Lines, l => l.StartsWith("CMD ")));
        Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, "scripts", "container-start.sh")));

        // Docker's init as PID 1 reaps the host when the base start script ends before it; each app container has it.
        var services = Map(Compose(), "services");
        foreach (var name in new[] { "functions", "scale-1", "scale-2" })
        {
            var service = Merged(Map(services, name));
            Assert.Equal("true", Scalar(service, "init"));
            Assert.True(TimeSpan.Parse("00:00:" + Scalar(service, "stop_grace_period").TrimEnd('s')) >= TimeSpan.FromSeconds(10), $"{name} gives the host less than 10 s to stop");
        }
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
