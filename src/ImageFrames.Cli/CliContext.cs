using ImageFrames.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ImageFrames.Cli;

/// <summary>Where a verb writes; <see cref="IsTerminal"/> when standard error is a real terminal (live progress
/// line) rather than a file, a pipe or a test's writer (plain lines).</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool IsProcessConsole)
{
    public bool IsTerminal => IsProcessConsole && !Console.IsErrorRedirected;
}

/// <summary>What every verb needs: the console, the settings, and the core's services, built on first use
/// so that parse errors, <c>sample</c> and <c>probe</c> never touch the database or validate settings.</summary>
public sealed class CliContext(CliConsole console, IConfiguration configuration) : IAsyncDisposable
{
    private ServiceProvider? _services;

    public CliConsole Console { get; } = console;
    public IConfiguration Configuration { get; } = configuration;

    // Logs go to standard error, never into the output scripts read; an ingest's outcome, which the service also
    // logs, is the verb's own one line, so the CLI does not repeat it as a log line.
    public T Get<T>() where T : notnull => (_services ??= new ServiceCollection()
            .AddLogging(l => l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                .AddFilter(typeof(Ingest.IngestService).FullName, LogLevel.Error))
            .Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddImageFramesCore(Configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }))
        .GetRequiredService<T>();

    /// <summary>The setting that chose the store and where it points, for error messages: the connection string's
    /// host, database and user, never its password.</summary>
    public string DatabaseSetting
    {
        get
        {
            var postgres = Configuration["FRAMES_POSTGRES"];
            if (string.IsNullOrWhiteSpace(postgres)) return $"FRAMES_DB_PATH ({Path.GetFullPath(Configuration["FRAMES_DB_PATH"] ?? new FramesOptions().DatabasePath)})";
            try
            {
                return $"FRAMES_POSTGRES ({Store.PostgresFrameStore.Describe(new Npgsql.NpgsqlConnectionStringBuilder(postgres))})";
            }
            catch (ArgumentException)
            {
                return "FRAMES_POSTGRES";
            }
        }
    }

    public ValueTask DisposeAsync() => _services?.DisposeAsync() ?? ValueTask.CompletedTask;
}
