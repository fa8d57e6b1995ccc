using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ImageFrames.Tests;

/// <summary>
/// The host's blob extension must be restored at 5.3.10 or later (5.3.8's polling trigger stops seeing new blobs
/// after its first sweep). The Worker SDK restores its generated WorkerExtensions project apart from this
/// repository's Directory.Build files, so what counts is what that project's restore asked for: the requested
/// range in its obj/project.assets.json, for the tests' own build, a plain publish, and the publish the
/// Dockerfile's build stage runs (replayed here on a copy of exactly what the Dockerfile copies).
/// </summary>
public sealed class ExtensionPinTests(DockerBuildStageReplay replay) : IClassFixture<DockerBuildStageReplay>
{
    private const string Extension = "Microsoft.Azure.WebJobs.Extensions.Storage.Blobs";
    private static readonly Version Minimum = new(5, 3, 10);

    [Fact]
    public void TheTestsOwnBuildRestoredThePinnedExtension()
    {
        // bin/<Configuration>/<framework>/ of this test assembly: FramesFunctions was built alongside it.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var assets = Path.Combine(TestPaths.RepositoryRoot, "src", "FramesFunctions", "obj", configuration, framework.Name, "WorkerExtensions", "obj", "project.assets.json");
        AssertPinned(assets);
    }

    [Fact]
    public void APlainPublishRestoresThePinnedExtension()
    {
        replay.Run("dotnet publish src/FramesFunctions/FramesFunctions.csproj -c Release -o plain-publish");
        AssertPinned(Path.Combine(replay.Context, "src", "FramesFunctions", "obj", "Release", "net10.0", "WorkerExtensions", "obj", "project.assets.json"));
    }

    [Fact]
    public void TheDockerfilesPublishRestoresThePinnedExtension()
    {
        replay.RunBuildStage();
        var assets = Directory.GetFiles(Path.Combine(replay.Context, "src", "FramesFunctions", "obj", "Release"), "project.assets.json", SearchOption.AllDirectories)
            .Where(p => p.Contains($"{Path.DirectorySeparatorChar}WorkerExtensions{Path.DirectorySeparatorChar}")).ToList();
        Assert.NotEmpty(assets);
        foreach (var path in assets) AssertPinned(path);
        // The function app is what the runtime stage copies: it holds the extension the restore chose.
        Assert.True(File.Exists(Path.Combine(replay.Output("/home/site/wwwroot"), ".azurefunctions", "Microsoft.Azure.WebJobs.Extensions.Storage.Blobs.dll")));
    }

    private static void AssertPinned(string assetsPath)
    {
        Assert.True(File.Exists(assetsPath), $"{assetsPath} was not written");
        using var assets = JsonDocument.Parse(File.ReadAllText(assetsPath));
        var requested = assets.RootElement.GetProperty("project").GetProperty("frameworks").EnumerateObject()
            .Select(f => f.Value.GetProperty("dependencies").GetProperty(Extension).GetProperty("version").GetString()!).ToList();
        Assert.NotEmpty(requested);
        foreach (var range in requested)
        {
            // NuGet writes a minimum-inclusive range: "[5.3.10, )".
            var lower = Regex.Match(range, @"^\[(\d+\.\d+\.\d+)");
            Assert.True(lower.Success, $"{Extension} was requested as {range}, not from an inclusive minimum");
            Assert.True(Version.Parse(lower.Groups[1].Value) >= Minimum, $"{Extension} was requested as {range} in {assetsPath}; needs {Minimum} or later");
        }
    }
}

/// <summary>A copy of what the Dockerfile's build stage copies (its COPY lines, in a temporary folder standing
/// for its WORKDIR), on which its RUN lines are replayed with the absolute output folders moved under it.</summary>
public sealed class DockerBuildStageReplay : IDisposable
{
    private readonly DockerfileStage _stage = DockerfileStages.Read()[0];
    private readonly Lock _gate = new();
    private bool _built;

    public string Context { get; } = Directory.CreateTempSubdirectory("frames-docker-build-").FullName;

    public DockerBuildStageReplay()
    {
        foreach (var line in _stage.Lines.Where(l => l.StartsWith("COPY ")))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
            var (sources, target) = (words[..^1], words[^1]);
            foreach (var source in sources)
            {
                // Docker's rules: a folder's contents go into the target; a file goes into a target ending in
                // '/', else becomes it.
                var (from, into) = (Path.Combine(TestPaths.RepositoryRoot, source), Path.Combine(Context, target));
                if (Directory.Exists(from)) CopyTree(from, into);
                else
                {
                    var to = target.EndsWith('/') ? Path.Combine(into, Path.GetFileName(source)) : into;
                    Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                    File.Copy(from, to, overwrite: true);
                }
            }
        }
    }

    /// <summary>Where an absolute path of the build stage lands in this replay.</summary>
    public string Output(string absolute) => Path.Combine(Context, "out", absolute.TrimStart('/'));

    public void RunBuildStage()
    {
        lock (_gate)
        {
            if (_built) return;
            foreach (var line in _stage.Lines.Where(l => l.StartsWith("RUN ")))
                Run(Regex.Replace(line["RUN ".Length..], @"(?<=-o )(/\S+)", m => Output(m.Value)));
            _built = true;
        }
    }

    public void Run(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = Context, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), $"{command} did not finish in 10 minutes");
        Assert.True(process.ExitCode == 0, $"{command} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue; // .dockerignore
            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Context, recursive: true); } catch (IOException) { }
    }
}
