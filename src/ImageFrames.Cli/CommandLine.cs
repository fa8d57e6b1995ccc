using System.CommandLine;
using System.CommandLine.Invocation;
using ImageFrames.Cli.Verbs;
using ImageFrames.Parse;
using ImageFrames.Ingest;
using ImageFrames.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ImageFrames.Cli;

/// <summary>
/// <c>frames</c>: the service's command line. Exit codes: 0 done (an unchanged ingest included), 1 rejected
/// input or a failure (bad settings, storage, database), 2 a usage error (unknown option, missing or bad value).
/// </summary>
public static class CommandLine
{
    public const int Ok = 0, Failed = 1, Usage = 2;

    /// <summary>Parses and runs <paramref name="args"/>. Tests pass their own writers and settings; by
    /// default settings come from the environment over a <c>local.settings.json</c> in the working directory.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, IConfiguration? configuration = null)
    {
        var console = new CliConsole(stdout ?? Console.Out, stderr ?? Console.Error, stdout is null && stderr is null);
        await using var cli = new CliContext(console, configuration ?? LoadConfiguration());
        var root = new RootCommand("ImageFrames: ingest depth-indexed image logs, render depth windows, feed the blob trigger. " +
                                   "Settings (FRAMES_DB_PATH, …) come from the environment or ./local.settings.json.")
        {
            IngestVerb.Create(cli), UploadVerb.Create(cli), SampleVerb.Create(cli), ListVerbs.Datasets(cli), ListVerbs.Log(cli),
            RenderVerbs.Render(cli), RenderVerbs.Export(cli), RenderVerbs.Gallery(cli), ProbeVerb.Create(cli), DipsVerb.Create(cli),
            BackupVerbs.Backup(cli), BackupVerbs.List(cli), BackupVerbs.Restore(cli),
        };
        root.HelpName = "frames"; // in usage lines, whatever runs the code (the tool, `dotnet frames.dll`, a test host)
        var parsed = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false };
        if (parsed.Action is ParseErrorAction parseError)
        {
            // Errors and typo suggestions, all on standard error, without the whole help page; usage errors
            // exit 2, not the library's 1.
            parseError.ShowHelp = false;
            await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Error, Error = console.Error });
            var verb = parsed.CommandResult.Command == root ? "" : " " + parsed.CommandResult.Command.Name;
            await console.Error.WriteLineAsync($"Run 'frames{verb} --help' for usage.");
            return Usage;
        }
        try
        {
            return await parsed.InvokeAsync(invocation);
        }
        catch (UsageException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}");
            return Usage;
        }
        catch (OptionsValidationException e)
        {
            await console.Error.WriteLineAsync($"error: invalid settings: {string.Join(" ", e.Failures)}");
            return Failed;
        }
        catch (Exception e) when (FrameStore.IsDatabaseFailure(e) || e is IngestFailedException { InnerException: { } inner } && FrameStore.IsDatabaseFailure(inner))
        {
            // Which setting points at the database, and where (never a password), so the fix is obvious.
            await console.Error.WriteLineAsync($"error: the database at {cli.DatabaseSetting} failed: {e.Message}");
            return Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException
                                       or IngestFailedException or CsvRejectedException or DatasetNotFoundException or Azure.RequestFailedException or HttpRequestException)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}");
            return Failed;
        }
    }

    /// <summary>Environment variables, over the Values of a local.settings.json in the working directory
    /// (the file Core Tools reads), so the CLI sees what the local function app would.</summary>
    public static IConfiguration LoadConfiguration()
    {
        var local = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath("local.settings.json"), optional: true).Build();
        return new ConfigurationBuilder()
            .AddInMemoryCollection(local.GetSection("Values").GetChildren().Select(c => KeyValuePair.Create(c.Key, c.Value)))
            .AddEnvironmentVariables()
            .Build();
    }
}

/// <summary>A mistake in how the command was called that only shows once it runs (a missing file, a window
/// over the picture budget): exits 2 like a parse error.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The dataset a verb names is not stored: a failure (exit 1), not a usage error.</summary>
public sealed class DatasetNotFoundException(string message) : Exception(message);
