using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ImageFrames.Tests;

/// <summary>
/// The Azure deployment, checked offline: the Bicep CLI (from NuGet) builds and lints <c>infra/</c> without a
/// warning, and the compiled ARM template is checked for what the deployment promises — a Flex Consumption app
/// on .NET 10 running as a managed identity, identity-based settings only (no keys, no passwords), Entra-only
/// PostgreSQL, least-privilege roles, the Event Grid topic, and the Event Grid trigger switched on instead of
/// the polling one. <c>azure.yaml</c> and its hook scripts are checked against the template's outputs, and the
/// POSIX hook passes shellcheck. Nothing here deploys anything.
/// </summary>
public sealed class InfrastructureTests
{
    private static readonly string Bicep = typeof(InfrastructureTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value!;
    private static readonly string MainBicep = Path.Combine(TestPaths.RepositoryRoot, "infra", "main.bicep");
    private static readonly Lazy<JsonElement> Template = new(() => JsonDocument.Parse(Run(Bicep, "build", MainBicep, "--stdout").Out).RootElement);

    [Fact]
    public void TheBicepBuildsAndLintsWithoutAWarning()
    {
        var lint = Run(Bicep, "lint", MainBicep);
        Assert.True(lint.Out.Trim().Length == 0 && lint.Err.Trim().Length == 0, lint.Out + lint.Err);
        var build = Run(Bicep, "build", MainBicep, "--stdout");
        Assert.Equal("", build.Err.Trim());
        Assert.Equal("subscription", Regex.Match(File.ReadAllText(MainBicep), @"targetScope = '(\w+)'").Groups[1].Value);
    }

    [Fact]
    public void TheFunctionAppIsFlexConsumptionOnDotnet10AsAManagedIdentity()
    {
        var plan = Single("Microsoft.Web/serverfarms");
        Assert.Equal(("FC1", "FlexConsumption"), (plan.GetProperty("sku").GetProperty("name").GetString(), plan.GetProperty("sku").GetProperty("tier").GetString()));
        var app = Single("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", app.GetProperty("kind").GetString());
        Assert.Equal("UserAssigned", app.GetProperty("identity").GetProperty("type").GetString());
        var config = app.GetProperty("properties").GetProperty("functionAppConfig");
        Assert.Equal(("dotnet-isolated", "10.0"), (config.GetProperty("runtime").GetProperty("name").GetString(), config.GetProperty("runtime").GetProperty("version").GetString()));
        Assert.Equal("UserAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        Assert.Contains("'azd-service-name', 'api'", app.GetProperty("tags").ToString());
        // The framework the template names is the one the projects build for.
        var framework = System.Xml.Linq.XDocument.Load(Path.Combine(TestPaths.RepositoryRoot, "Directory.Build.props")).Descendants("TargetFramework").Single().Value;
        Assert.Equal(framework, "net" + config.GetProperty("runtime").GetProperty("version").GetString());
    }

    [Fact]
    public void TheAppSettingsAreIdentityBasedAndHoldNoSecret()
    {
        var settings = Settings();
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.True(settings.ContainsKey("AzureWebJobsStorage__accountName") && settings.ContainsKey("AzureWebJobsStorage__clientId"));
        Assert.False(settings.ContainsKey("AzureWebJobsStorage")); // no connection string at all
        Assert.Contains("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Equal(settings["AzureWebJobsStorage__clientId"], settings["AZURE_CLIENT_ID"]);
        var postgres = settings["FRAMES_POSTGRES"];
        Assert.Contains("Ssl Mode=Require", postgres);
        Assert.Contains("Maximum Pool Size=", postgres);
        // Every instance may fill its pool: by default the instances together stay within the smallest server's
        // 50 connections.
        var parameters = Template.Value.GetProperty("parameters");
        Assert.InRange(parameters.GetProperty("maximumInstanceCount").GetProperty("defaultValue").GetInt32()
                       * parameters.GetProperty("postgresPoolSize").GetProperty("defaultValue").GetInt32(), 1, 50);
        Assert.DoesNotContain("Password", postgres, StringComparison.OrdinalIgnoreCase);
        // Flex Consumption has no polling blob trigger: the Event Grid one runs, the polling one is off.
        Assert.Equal(("true", "false"), (settings["AzureWebJobs.IngestBlob.Disabled"], settings["AzureWebJobs.IngestBlobEventGrid.Disabled"]));
        // The host resolves %NAME% in trigger attributes from app settings and has no defaults for them.
        var metadata = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata"));
        foreach (var name in Regex.Matches(metadata, "%([A-Za-z0-9_]+)%").Select(m => m.Groups[1].Value).Distinct())
            Assert.True(settings.ContainsKey(name), $"the app settings lack {name}");
        // Flex Consumption sets the runtime in functionAppConfig and refuses these settings.
        Assert.False(settings.ContainsKey("FUNCTIONS_WORKER_RUNTIME") || settings.ContainsKey("WEBSITE_RUN_FROM_PACKAGE"));

        var text = Template.Value.GetRawText();
        foreach (var secret in new[] { "listKeys", "AccountKey=", "SharedAccessSignature", "administratorLoginPassword", "InstrumentationKey=" })
            Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public void StorageAndPostgresAcceptOnlyEntraIdentities()
    {
        var account = Single("Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        var containers = Resources("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => c.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(2, containers.Length); // the deployment package and the input

        var server = Single("Microsoft.DBforPostgreSQL/flexibleServers").GetProperty("properties");
        Assert.Equal(("Enabled", "Disabled"), (server.GetProperty("authConfig").GetProperty("activeDirectoryAuth").GetString(), server.GetProperty("authConfig").GetProperty("passwordAuth").GetString()));
        Assert.Equal("ServicePrincipal", Single("Microsoft.DBforPostgreSQL/flexibleServers/administrators").GetProperty("properties").GetProperty("principalType").GetString());
        var rule = Single("Microsoft.DBforPostgreSQL/flexibleServers/firewallRules").GetProperty("properties");
        Assert.Equal(("0.0.0.0", "0.0.0.0"), (rule.GetProperty("startIpAddress").GetString(), rule.GetProperty("endIpAddress").GetString())); // Azure services only

        var insights = Single("Microsoft.Insights/components").GetProperty("properties");
        Assert.True(insights.GetProperty("DisableLocalAuth").GetBoolean());
    }

    [Fact]
    public void TheIdentityHoldsTheRolesTheHostNeedsAndNoMore()
    {
        var assigned = Resources("Microsoft.Authorization/roleAssignments").Select(r => r.GetProperty("properties").GetProperty("roleDefinitionId").ToString()).ToArray();
        var roles = Regex.Matches(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "infra", "modules", "roles.bicep")), @"(\w+): '([0-9a-f-]{36})'")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(new Dictionary<string, string>
        {
            ["storageBlobDataOwner"] = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
            ["storageQueueDataContributor"] = "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
            ["storageTableDataContributor"] = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
            ["storageBlobDataContributor"] = "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            ["monitoringMetricsPublisher"] = "3913510d-42f4-4e42-8a64-420c390055eb",
        }, roles);
        Assert.Equal(3, assigned.Length); // app on storage (a copy loop over three roles), app on telemetry, the deployer on the input container
        Assert.DoesNotContain(assigned, r => Regex.IsMatch(r, "8e3af657|b24988ac|18d7d88d")); // never Owner, Contributor, User Access Administrator
    }

    [Fact]
    public void TheEventGridTopicIsTheStorageAccountsAndItsSubscriptionIsTheHooks()
    {
        var topic = Single("Microsoft.EventGrid/systemTopics").GetProperty("properties");
        Assert.Equal("Microsoft.Storage.StorageAccounts", topic.GetProperty("topicType").GetString());
        // The subscription needs the deployed app's webhook key: made by the postdeploy hook, not the template.
        Assert.Empty(Resources("Microsoft.EventGrid/systemTopics/eventSubscriptions"));
        var hook = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "scripts", "postdeploy.sh"));
        Assert.Contains("functionName=Host.Functions.$function_name", hook);
        Assert.Contains("function_name=\"IngestBlobEventGrid\"", hook);
        Assert.Contains("systemKeys.blobs_extension", hook);
        Assert.Contains("--included-event-types Microsoft.Storage.BlobCreated", hook);
    }

    [Fact]
    public void AzureYamlDeploysTheFunctionProjectAndItsHooksReadOnlyTemplateOutputs()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "azure.yaml"))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        YamlNode At(YamlNode node, params string[] path) => path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);
        Assert.Equal("bicep", At(root, "infra", "provider").ToString());
        Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, At(root, "infra", "path").ToString(), At(root, "infra", "module") + ".bicep")));
        var api = At(root, "services", "api");
        Assert.Equal(("function", "dotnet"), (At(api, "host").ToString(), At(api, "language").ToString()));
        Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, At(api, "project").ToString(), "FramesFunctions.csproj")));

        var outputs = Template.Value.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToHashSet();
        foreach (var (shell, file, pattern) in new[] { ("posix", "sh", @"\$\{(\w+):\?"), ("windows", "ps1", @"'(\w+)'(?=[,\)\s])") })
        {
            var script = At(root, "hooks", "postdeploy", shell, "run").ToString();
            Assert.EndsWith("." + file, script);
            var text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, script));
            var read = Regex.Matches(text, pattern).Select(m => m.Groups[1].Value).Where(n => n.Contains('_') && n == n.ToUpperInvariant()).ToHashSet();
            Assert.Equal(["AZURE_FUNCTION_APP_NAME", "AZURE_RESOURCE_GROUP", "EVENT_GRID_SYSTEM_TOPIC_NAME", "FRAMES_INPUT_CONTAINER"], read.Order());
            Assert.Subset(outputs, read);
        }
        // azd passes the Bicep parameters it knows; every one without a default is among them.
        var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "infra", "main.parameters.json"))).RootElement.GetProperty("parameters");
        foreach (var parameter in Template.Value.GetProperty("parameters").EnumerateObject().Where(p => !p.Value.TryGetProperty("defaultValue", out _)))
            Assert.True(parameters.TryGetProperty(parameter.Name, out _), $"main.parameters.json lacks {parameter.Name}");
    }

    /// <summary>HTTPS only, TLS 1.2 at least; CORS is the app's (FRAMES_CORS_ORIGINS from a parameter), the
    /// platform's own left empty so it cannot open the admin routes.</summary>
    [Fact]
    public void TheAppIsHttpsOnlyAndLeavesCorsToTheApp()
    {
        var properties = Single("Microsoft.Web/sites").GetProperty("properties");
        Assert.True(properties.GetProperty("httpsOnly").GetBoolean());
        var site = properties.GetProperty("siteConfig");
        Assert.Equal("1.2", site.GetProperty("minTlsVersion").GetString());
        Assert.Empty(site.GetProperty("cors").GetProperty("allowedOrigins").EnumerateArray());
        Assert.False(site.GetProperty("cors").GetProperty("supportCredentials").GetBoolean());
        Assert.Contains("corsOrigins", Settings()["FRAMES_CORS_ORIGINS"]);
    }

    [Theory]
    [InlineData("postdeploy.sh")]
    [InlineData("container-start.sh")]
    public void ThePosixScriptsPassShellcheck(string script)
    {
        var result = Run("shellcheck", "--shell=sh", "--severity=style", Path.Combine(TestPaths.RepositoryRoot, "scripts", script));
        Assert.True(result.Exit == 0, result.Out + result.Err);
    }

    /// <summary>The template's app settings by name (values as ARM expressions or literals).</summary>
    private static Dictionary<string, string> Settings() =>
        Single("Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").ToString());

    private static JsonElement Single(string type) => Assert.Single(Resources(type));

    /// <summary>Every resource of a type, in the template and the templates of its modules (nested deployments).</summary>
    private static List<JsonElement> Resources(string type)
    {
        var found = new List<JsonElement>();
        void Walk(JsonElement template)
        {
            var resources = template.GetProperty("resources");
            var all = resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(p => p.Value) : resources.EnumerateArray();
            foreach (var resource in all)
            {
                var kind = resource.GetProperty("type").GetString();
                if (kind == type) found.Add(resource);
                if (kind == "Microsoft.Resources/deployments") Walk(resource.GetProperty("properties").GetProperty("template"));
            }
        }
        Walk(Template.Value);
        return found;
    }

    private static (int Exit, string Out, string Err) Run(string program, params string[] args) =>
        ExternalTool.RunAsync(program, Path.GetFileName(program), args).GetAwaiter().GetResult();
}
