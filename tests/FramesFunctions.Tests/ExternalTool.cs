using System.Diagnostics;

namespace ImageFrames.Tests;

/// <summary>
/// The programs the tests run that come from the distribution (Bicep aside): started with a message that says
/// which package to install when one is missing (.ci/run installs them all), and run to the end with their
/// output collected — standard input from a file and standard output to a stream when a test redirects them.
/// </summary>
internal static class ExternalTool
{
    public static Process Start(ProcessStartInfo start, string package)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{start.FileName} is not installed ({e.Message}): .ci/run installs it (apt-get install {package})", e);
        }
    }

    /// <summary>Runs <paramref name="program"/> to its end: its exit code, and its output unless
    /// <paramref name="stdout"/> took it.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string program, string package, IEnumerable<string> args,
        Stream? stdin = null, Stream? stdout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = stdin is not null, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Start(start, package);
        var errors = process.StandardError.ReadToEndAsync();
        var output = stdout is null ? process.StandardOutput.ReadToEndAsync() : CopyAsync(process.StandardOutput.BaseStream, stdout);
        if (stdin is not null)
        {
            await stdin.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
        }
        var text = await output;
        await process.WaitForExitAsync();
        return (process.ExitCode, text, await errors);
    }

    private static async Task<string> CopyAsync(Stream from, Stream to)
    {
        await from.CopyToAsync(to);
        return "";
    }
}
