using System.CommandLine;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames probe URL</c>: exit 0 when the URL answers 2xx — the container's healthcheck, since the
/// Functions base image is not guaranteed to have curl.</summary>
public static class ProbeVerb
{
    public static Command Create(CliContext cli)
    {
        var url = new Argument<Uri>("url")
        {
            Description = "the URL to ask",
            DefaultValueFactory = _ => new Uri("http://localhost:8080/api/health"),
            CustomParser = CliOptions.ParseHttpUrl,
        };
        var command = new Command("probe", "Exit 0 when the URL answers with a success status, else 1.") { url };
        command.SetAction(async (parsed, ct) =>
        {
            var target = parsed.GetValue(url)!;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(8) };
            try
            {
                using var response = await http.GetAsync(target, ct);
                if (response.IsSuccessStatusCode) return CommandLine.Ok;
                await cli.Console.Error.WriteLineAsync($"{target} answered {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                await cli.Console.Error.WriteLineAsync($"{target}: {e.Message}");
            }
            return CommandLine.Failed;
        });
        return command;
    }
}
