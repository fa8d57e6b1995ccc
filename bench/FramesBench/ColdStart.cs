using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ImageFrames.Sample;

namespace ImageFrames.Bench;

/// <summary>
/// Cold start, as the image ships it against the same publish without ReadyToRun: the Dockerfile's publish
/// commands are run twice into temporary folders (once as written, once with -p:PublishReadyToRun=false), then
/// each variant is started fresh, interleaved, <c>runs</c> times:
/// - the worker's part: the function app's process start until it connects to the host's gRPC endpoint (a
///   listener standing in for the Functions host, which this machine lacks; the handshake itself is the host's);
/// - the first picture: a `frames render` process over a stored dataset, start to PNG written (the same store,
///   query and render code a fresh worker runs for its first picture, without the host's hop).
/// Usage: dotnet run -c Release --project bench/FramesBench -- cold-start [--runs 5]
/// </summary>
public static class ColdStart
{
    public static async Task RunAsync(int runs)
    {
        var repository = FindRepository();
        var folder = Directory.CreateTempSubdirectory("frames-coldstart-").FullName;
        try
        {
            var variants = new[] { ("ReadyToRun (Dockerfile)", ""), ("JIT only", " -p:PublishReadyToRun=false") }
                .Select(v => (Name: v.Item1, Folder: Publish(repository, Path.Combine(folder, v.Item1.Split(' ')[0]), v.Item2))).ToList();
            var database = Path.Combine(folder, "frames.db");
            var csv = Path.Combine(folder, "img.csv");
            using (var file = File.Create(csv)) SampleLog.Write(new SampleLogSpec(), file);
            RunToEnd(variants[0].Folder, database, "cli/frames.dll", "ingest", csv, "--quiet");

            Console.WriteLine("| variant | publish MB (app + CLI) | worker start → host connection s | first picture (CLI process) s |");
            Console.WriteLine("|---|---:|---|---|");
            var results = variants.ToDictionary(v => v.Name, _ => (Worker: new List<double>(), Picture: new List<double>()));
            for (var run = 0; run < runs; run++)
                foreach (var (name, publish) in variants)
                {
                    results[name].Worker.Add(await WorkerStartAsync(publish, database));
                    var clock = Stopwatch.StartNew();
                    RunToEnd(publish, database, "cli/frames.dll", "render", "img", "--depth-min", "9100", "--depth-max", "9200", "--colormap", "viridis", "-o", Path.Combine(folder, "first.png"));
                    results[name].Picture.Add(clock.Elapsed.TotalSeconds);
                }
            foreach (var (name, publish) in variants)
            {
                var mb = Directory.EnumerateFiles(publish, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1e6;
                Console.WriteLine($"| {name} | {mb:F0} | {Summary(results[name].Worker)} | {Summary(results[name].Picture)} |");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The repository this bench was built from (the folder holding ImageFrames.sln above it).</summary>
    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageFrames.sln"))) return dir.FullName;
        throw new InvalidOperationException("ImageFrames.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Summary(List<double> seconds) => $"median {seconds.Order().ElementAt(seconds.Count / 2):F2} (min {seconds.Min():F2}, max {seconds.Max():F2})";

    /// <summary>The Dockerfile's publish commands, into this folder (app/ and cli/) instead of the image's paths.</summary>
    private static string Publish(string repository, string into, string extra)
    {
        var dockerfile = Regex.Replace(File.ReadAllText(Path.Combine(repository, "Dockerfile")), @"\\\r?\n\s*", " ");
        foreach (Match m in Regex.Matches(dockerfile, @"dotnet publish (\S+)(.*?) --no-restore -o (\S+)"))
        {
            var output = Path.Combine(into, m.Groups[1].Value.Contains("Cli") ? "cli" : "app");
            RunToEnd(null, null, "dotnet", $"publish {m.Groups[1].Value}{m.Groups[2].Value}{extra} -o {output}".Split(' ', StringSplitOptions.RemoveEmptyEntries), repository);
        }
        return into;
    }

    private static async Task<double> WorkerStartAsync(string publish, string database)
    {
        using var host = new TcpListener(IPAddress.Loopback, 0);
        host.Start();
        var port = ((IPEndPoint)host.LocalEndpoint).Port;
        var start = new ProcessStartInfo("dotnet", [Path.Combine(publish, "app", "FramesFunctions.dll"), "--functions-uri", $"http://127.0.0.1:{port}/",
            "--functions-worker-id", "bench", "--functions-request-id", "bench", "--functions-grpc-max-message-length", "2147483647"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["FRAMES_DB_PATH"] = database;
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        var clock = Stopwatch.StartNew();
        using var worker = Process.Start(start)!;
        _ = worker.StandardOutput.ReadToEndAsync();
        _ = worker.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var connection = await host.AcceptTcpClientAsync(timeout.Token);
        var seconds = clock.Elapsed.TotalSeconds;
        worker.Kill(entireProcessTree: true);
        await worker.WaitForExitAsync();
        return seconds;
    }

    private static void RunToEnd(string? publish, string? database, string program, params string[] arguments) =>
        RunToEnd(publish, database, program, arguments, null);

    private static void RunToEnd(string? publish, string? database, string program, string[] arguments, string? workingDirectory)
    {
        var start = publish is null ? new ProcessStartInfo(program, arguments) : new ProcessStartInfo("dotnet", [Path.Combine(publish, program), .. arguments]);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        if (database is not null) start.Environment["FRAMES_DB_PATH"] = database;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {output.Result}{error.Result}");
    }
}
