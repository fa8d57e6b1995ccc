using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using ImageFrames.Parse;
using ImageFrames.Ingest;
using ImageFrames.Render;
using ImageFrames.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Cli;

/// <summary>The function app's executable as a command line: ingest, list, render and upload.</summary>
public static class CommandLine
{
    private const string Usage = """
        usage: FramesFunctions <command> [options]   (settings come from the environment, as in the app)
          ingest <file.csv | -> [--dataset ID] [--chunk-size N] [--progress]
                                                               ingest a CSV through the same path as the blob trigger;
                                                               progress shows on a terminal, or as lines with --progress
          upload <file.csv> [--name BLOB] [--wait] [--api URL] [--timeout SECONDS]
                                                               put a CSV into the input container (AzureWebJobsStorage,
                                                               FRAMES_INPUT_CONTAINER); --wait polls URL/datasets/{id}
                                                               (default http://localhost:7071/api) until it is ingested
          datasets [--json]                                    list datasets
          log [--dataset ID] [--json]                          show the ingestion log
          render <dataset> [--depth-min A] [--depth-max B] [--colormap NAME] [--rescale LO,HI] --out FILE.png|FILE.json
                                                               write an inclusive depth window as a picture (grayscale unless
                                                               --colormap is given) or as frames JSON
          probe <url>                                          exit 0 when the URL answers 200 (the container healthcheck)
          gallery <dataset> --colormaps A,B,… [--depth-min A] [--depth-max B] [--rescale LO,HI] --out FILE.png
                                                               the same window under several colour maps, side by side
        """;

    private static readonly string[] Verbs = ["ingest", "upload", "datasets", "log", "render", "gallery", "probe", "help", "--help"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, IConfiguration? configuration = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        if (args[0] == "probe") return await ProbeAsync(args.Length > 1 ? args[1] : "http://localhost:8080/api/health", stderr);
        try
        {
            configuration ??= LoadConfiguration();
            using var services = new ServiceCollection()
                .AddLogging(l => l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
                .AddImageFramesCore(configuration)
                .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            var options = services.GetRequiredService<FramesOptions>();
            var arguments = Arguments.Parse(args.Skip(1));
            return args[0] switch
            {
                "ingest" => await IngestAsync(services.GetRequiredService<IngestService>(), arguments, stdout, stderr),
                "upload" => await UploadAsync(configuration, options, arguments, stdout, stderr),
                "datasets" => Datasets(services.GetRequiredService<FrameStore>(), arguments, stdout),
                "log" => Log(services.GetRequiredService<FrameStore>(), arguments, stdout),
                "render" => Render(services.GetRequiredService<FrameStore>(), options, arguments, stdout),
                "gallery" => Gallery(services.GetRequiredService<FrameStore>(), options, arguments, stdout),
                _ => Help(stdout),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}\n{Usage}");
            return 2;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await stderr.WriteLineAsync($"error: invalid settings: {string.Join(" ", e.Failures)}");
            return 2;
        }
        catch (CsvRejectedException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or IngestFailedException
                                       or Azure.RequestFailedException or HttpRequestException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>Environment variables, over the Values of a local.settings.json in the working directory
    /// (the file Core Tools reads), so the CLI sees what `func start` would.</summary>
    public static IConfiguration LoadConfiguration()
    {
        var local = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath("local.settings.json"), optional: true).Build();
        return new ConfigurationBuilder()
            .AddInMemoryCollection(local.GetSection("Values").GetChildren().Select(c => KeyValuePair.Create(c.Key, c.Value)))
            .AddEnvironmentVariables()
            .Build();
    }

    private static async Task<int> ProbeAsync(string url, TextWriter stderr)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(8) };
        try
        {
            using var response = await http.GetAsync(url);
            if (response.IsSuccessStatusCode) return 0;
            await stderr.WriteLineAsync($"{url} answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            await stderr.WriteLineAsync($"{url}: {e.Message}");
        }
        return 1;
    }

    private static int Help(TextWriter stdout)
    {
        stdout.WriteLine(Usage);
        return 0;
    }

    private static async Task<int> IngestAsync(IngestService ingest, Arguments a, TextWriter stdout, TextWriter stderr)
    {
        var file = a.Positional(0, "the CSV file to ingest, or - for standard input");
        var fromStdin = file == "-";
        if (fromStdin && a.Value("--dataset") is null) throw new UsageException("reading standard input needs --dataset ID");
        if (!fromStdin && !File.Exists(file)) throw new UsageException($"no such file: {file}");
        var chunk = a.Int("--chunk-size");
        // On a terminal progress rewrites one line; --progress writes a line per batch (for logs and scripts).
        var terminal = !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error);
        var showProgress = terminal || a.Flag("--progress");
        var clock = Stopwatch.StartNew();
        var progress = showProgress
            ? new Progress<IngestProgress>(p => stderr.Write(
                $"{(terminal ? "\r" : "")}{p.Rows:N0} rows, {p.Bytes / 1e6:F1} MB, {p.Rows / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):N0} rows/s{(terminal ? "   " : "\n")}"))
            : null;
        await using var stream = fromStdin
            ? Console.OpenStandardInput()
            : new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var result = await ingest.IngestAsync(stream, a.Value("--dataset"), fromStdin ? "stdin" : Path.GetFileName(file), chunk, progress);
        if (terminal) stderr.WriteLine();
        if (result.Status == IngestStatus.Rejected)
        {
            await stderr.WriteLineAsync($"rejected {file}: {result.Error}");
            return 1;
        }
        await stdout.WriteLineAsync(
            $"{result.Status.ToString().ToLowerInvariant()}: dataset '{result.DatasetId}', {result.Rows:N0} rows, {result.SkippedRows} skipped, " +
            $"{result.Bytes / 1e6:F1} MB in {result.Elapsed.TotalSeconds:F2} s ({result.RowsPerSecond:N0} rows/s)");
        return 0;
    }

    /// <summary>Uploads a file as a blob, so nobody needs another tool to try the trigger; with --wait, asks the
    /// running app until the dataset holds exactly this file (same SHA-256).</summary>
    private static async Task<int> UploadAsync(IConfiguration configuration, FramesOptions options, Arguments a, TextWriter stdout, TextWriter stderr)
    {
        var file = a.Positional(0, "the CSV file to upload");
        if (!File.Exists(file)) throw new UsageException($"no such file: {file}");
        var storage = configuration[ServiceRegistration.StorageConnectionSetting];
        if (string.IsNullOrWhiteSpace(storage))
            throw new UsageException($"{ServiceRegistration.StorageConnectionSetting} is not set (environment, or local.settings.json in this folder)");
        var name = a.Value("--name") ?? Path.GetFileName(file);
        var container = new BlobServiceClient(storage).GetBlobContainerClient(options.InputContainer);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient(name).UploadAsync(file, overwrite: true);
        await stdout.WriteLineAsync($"uploaded {file} to {container.Name}/{name}");
        if (!a.Flag("--wait")) return 0;

        var id = DatasetId.FromFileName(name);
        string sha;
        await using (var content = File.OpenRead(file)) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(content));
        var api = (a.Value("--api") ?? "http://localhost:7071/api").TrimEnd('/');
        var deadline = DateTime.UtcNow.AddSeconds(a.Int("--timeout") ?? 120);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync($"{api}/datasets/{id}");
                if (response.IsSuccessStatusCode)
                {
                    var dataset = JsonSerializer.Deserialize<DatasetInfo>(await response.Content.ReadAsStringAsync(), JsonOptions)!;
                    if (dataset.Sha256 == sha)
                    {
                        await stdout.WriteLineAsync($"ingested: dataset '{id}', {dataset.RowCount:N0} rows, depth {Depth(dataset.DepthMin)}..{Depth(dataset.DepthMax)}");
                        return 0;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { } // the app may still be starting
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        await stderr.WriteLineAsync($"'{id}' was not ingested from this file within the timeout; it may have been rejected — see the app's log or `log --dataset {id}`");
        return 1;
    }

    private static int Datasets(FrameStore store, Arguments a, TextWriter stdout)
    {
        var datasets = store.ListDatasets();
        if (a.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(datasets, JsonOptions));
            return 0;
        }
        if (datasets.Count == 0) stdout.WriteLine("no datasets");
        foreach (var d in datasets)
            stdout.WriteLine($"{d.Id,-24} {d.RowCount,10:N0} rows  depth {Depth(d.DepthMin)}..{Depth(d.DepthMax)}  {d.SourceWidth}→{d.Width} px ({d.Resampler})  {d.IngestedAt:u}");
        return 0;
    }

    private static int Log(FrameStore store, Arguments a, TextWriter stdout)
    {
        var log = store.IngestionLog(a.Value("--dataset"));
        if (a.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(log, JsonOptions));
            return 0;
        }
        foreach (var e in log)
            stdout.WriteLine($"{e.Id,6} {e.StartedAt:u} {e.Status,-9} {e.DatasetId,-20} {e.Rows,9} rows  {e.Source}{(e.Error is null ? "" : "  — " + e.Error)}");
        return 0;
    }

    private static int Render(FrameStore store, FramesOptions options, Arguments a, TextWriter stdout)
    {
        var output = a.Value("--out") ?? throw new UsageException("--out FILE.png or FILE.json is required");
        var mapName = a.Value("--colormap");
        ColorMap map = ColorMaps.Named["grayscale"];
        if (mapName is not null && !ColorMaps.TryResolve(mapName, out map, out var error)) throw new UsageException(error!);
        var rescale = a.Value("--rescale") is { } r ? ParseRescale(r) : (Rescale?)null;
        var json = output.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        var (window, range) = ReadWindow(store, options, a, json);
        Write(output, json
            ? FramesJson.Write(window, new FramesJson.Page(range, window.Count, 0, mapName is null ? null : map.Name, mapName is null ? null : map.Table(rescale)))
            : FrameRenderer.Render(window, map.Table(rescale), ImageFormat.Png));
        stdout.WriteLine($"wrote {output}: {window.Count:N0} frames of dataset '{window.Dataset.Id}' ({window.Width} px wide)");
        return 0;
    }

    private static int Gallery(FrameStore store, FramesOptions options, Arguments a, TextWriter stdout)
    {
        var maps = (a.Value("--colormaps") ?? throw new UsageException("--colormaps A,B,… is required")).Split(',')
            .Select(name => ColorMaps.TryResolve(name, out var map, out var error) ? map : throw new UsageException(error!)).ToArray();
        var rescale = a.Value("--rescale") is { } r ? ParseRescale(r) : (Rescale?)null;
        var (window, _) = ReadWindow(store, options, a, json: false);
        var output = a.Value("--out") ?? throw new UsageException("--out FILE.png is required");
        Write(output, FrameRenderer.Gallery(window, maps.Select(m => m.Table(rescale)).ToArray()));
        stdout.WriteLine($"wrote {output}: {window.Count:N0} frames under {string.Join(", ", maps.Select(m => m.Name))}");
        return 0;
    }

    private static (FrameWindow Window, DepthRange Range) ReadWindow(FrameStore store, FramesOptions options, Arguments a, bool json)
    {
        var dataset = a.Positional(0, "the dataset to render");
        var range = new DepthRange(a.Double("--depth-min"), a.Double("--depth-max"));
        if (range is { Min: { } lo, Max: { } hi } && lo > hi) throw new UsageException($"--depth-min {lo} is above --depth-max {hi}");
        var maxRows = (int)Math.Min(int.MaxValue, options.MaxImagePixels / Math.Max(1, options.TargetWidth));
        var window = store.ReadFrames(dataset, range, int.MaxValue, 0, json ? int.MaxValue : maxRows)
                     ?? throw new UsageException($"no dataset '{dataset}'; have: {string.Join(", ", store.ListDatasets().Select(d => d.Id))}");
        if (window.Total > window.Count)
            throw new UsageException($"{window.Total:N0} rows exceed the picture budget of {maxRows:N0} rows (FRAMES_MAX_IMAGE_PIXELS); narrow the depth window");
        return (window, range);
    }

    private static void Write(string output, byte[] bytes)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.WriteAllBytes(output, bytes);
    }

    private static Rescale ParseRescale(string text)
    {
        var parts = text.Split(',');
        if (parts.Length == 2 && byte.TryParse(parts[0], out var lo) && byte.TryParse(parts[1], out var hi) && lo < hi) return new Rescale(lo, hi);
        throw new UsageException($"--rescale expects LO,HI with 0 <= LO < HI <= 255, got '{text}'");
    }

    private static string Depth(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed class UsageException(string message) : Exception(message);

    /// <summary>Positional arguments and <c>--name value</c> options; a value may start with '-' (negative depths).</summary>
    private sealed class Arguments
    {
        private readonly List<string> _positional = [];
        private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
        private static readonly HashSet<string> Flags = ["--json", "--progress", "--wait"];

        public static Arguments Parse(IEnumerable<string> args)
        {
            var parsed = new Arguments();
            using var e = args.GetEnumerator();
            while (e.MoveNext())
            {
                var arg = e.Current;
                if (!arg.StartsWith("--", StringComparison.Ordinal)) parsed._positional.Add(arg);
                else if (Flags.Contains(arg)) parsed._options[arg] = null;
                else parsed._options[arg] = e.MoveNext() ? e.Current : throw new UsageException($"{arg} needs a value");
            }
            return parsed;
        }

        public string Positional(int index, string what) =>
            index < _positional.Count ? _positional[index] : throw new UsageException($"missing argument: {what}");

        public string? Value(string name) => _options.GetValueOrDefault(name);
        public bool Flag(string name) => _options.ContainsKey(name);

        public int? Int(string name) => Value(name) is not { } v ? null
            : int.TryParse(v, CultureInfo.InvariantCulture, out var i) && i > 0 ? i
            : throw new UsageException($"{name} expects a positive whole number, got '{v}'");

        public double? Double(string name) => Value(name) is not { } v ? null
            : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d
            : throw new UsageException($"{name} expects a number, got '{v}'");
    }
}
