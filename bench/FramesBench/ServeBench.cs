using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ImageFrames.Configuration;
using ImageFrames.Functions;
using ImageFrames.Ingest;
using ImageFrames.Sample;
using ImageFrames.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Bench;

/// <summary>
/// The read routes through a real HTTP pipeline: a server process of its own (Kestrel, the app's services from
/// its configuration, each route handed to the function class and its result executed as the worker's ASP.NET
/// Core integration does; what is missing is the Functions host's proxy hop, which this machine cannot run) and
/// clients in this process.
/// - Throughput: keep-alive clients repeat one request for a few seconds: the floor route (<c>/api/cache/stats</c>,
///   no store, a 200-byte answer), a 100-row JSON window and a 100-row PNG (cache hits after the first), rounds
///   interleaved so every route sees the same machine; each route's rate is given as a share of the floor's.
/// - Memory: a fresh server; sixteen clients at once each ask for a different uncached picture of the whole pixel
///   budget (200,000 rows × 150 px, 30 Mpx) and read it slowly; the server's peak resident memory (VmHWM). Then
///   the same with normalize=dynamic (the default window), on another fresh server.
/// Usage: dotnet run -c Release --project bench/FramesBench -- serve [--seconds 3] [--rounds 3]
/// </summary>
public static class ServeBench
{
    private const int DatasetRows = 203_000, PictureRows = 200_000, SlowClients = 16, ThroughputClients = 8;

    public static async Task RunAsync(string[] args)
    {
        var seconds = double.Parse(Option(args, "--seconds") ?? "3", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "--rounds") ?? "3", CultureInfo.InvariantCulture);
        var folder = Directory.CreateTempSubdirectory("frames-bench-serve-").FullName;
        try
        {
            var database = Path.Combine(folder, "frames.db");
            await IngestSampleAsync(folder, database);
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; " +
                              $"server: a process of its own on SQLite, {DatasetRows:N0}-row dataset");
            Console.WriteLine();
            await using (var server = await Server.StartAsync(database))
                await ThroughputAsync(server, seconds, rounds);
            foreach (var (name, query) in new[] { ("PNG", "&colormap=viridis"), ("dynamically normalised PNG", "&normalize=dynamic") })
            {
                Console.WriteLine();
                await using var server = await Server.StartAsync(database);
                await SlowPicturesAsync(server, name, query);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The server process: the app's services and read routes on Kestrel, until its standard input closes.</summary>
    public static async Task HostAsync(string url)
    {
        // As the function app's Program.cs: the store's calls block threads.
        ThreadPool.GetMinThreads(out _, out var completionThreads);
        ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), completionThreads);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddImageFramesCore(builder.Configuration);
        builder.Services.AddSingleton<HttpFunctions>();
        var app = builder.Build();
        var routes = new Dictionary<string, Func<HttpFunctions, HttpRequest, IActionResult>>
        {
            ["frames"] = (f, r) => f.GetFrames(r),
            ["frames/image"] = (f, r) => f.GetFramesImage(r),
            ["cache/stats"] = (f, r) => f.CacheStats(r),
        };
        foreach (var (route, function) in routes)
            app.MapGet("/api/" + route, (HttpContext c, HttpFunctions f) => Send(c, function(f, c.Request)));
        // Not the app's: a fixed body of n bytes sent the same way — the floor for an answer of that size.
        app.MapGet("/bench/bytes", (HttpContext c, int n) => Send(c, new ApiResult(new Serve.ApiResponse(200, "application/octet-stream", new byte[n]) { ETag = $"\"{n}\"" })));
        await app.StartAsync();
        Console.WriteLine("listening");
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
    }

    private static Task Send(HttpContext context, IActionResult result) =>
        result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

    private static async Task ThroughputAsync(Server server, double seconds, int rounds)
    {
        var window = $"dataset=bench&depth_min={(90001 + 5000) / 10.0:R}&depth_max={(90001 + 5099) / 10.0:R}";
        using var client = Client(server, ThroughputClients);
        var routes = new List<(string Name, string Path)>
        {
            ("floor: /api/cache/stats", "api/cache/stats"),
            ("100-row JSON window (cache hit)", "api/frames?" + window),
            ("100-row PNG window (cache hit)", "api/frames/image?" + window),
        };
        // Each window's body as fixed bytes: what sending that many bytes costs by itself.
        var fixedBodyOf = new Dictionary<string, string>();
        foreach (var (name, path) in routes.ToList().Skip(1))
        {
            fixedBodyOf[name] = $"fixed body of the {name.Split(' ')[1]} window's size";
            await client.GetByteArrayAsync(path); // the miss; the hits after it may be gzipped
            routes.Add((fixedBodyOf[name], $"bench/bytes?n={(await client.GetByteArrayAsync(path)).Length}"));
        }
        var rates = routes.ToDictionary(r => r.Name, _ => new List<(double Rate, double ServerMicroseconds, long Bytes)>());
        // Warm-up: tiered JIT recompiles the hot paths only after they have run a while (the floor's rate tripled
        // over its first three rounds without this).
        for (var warm = 0; warm < 2; warm++)
            foreach (var (_, path) in routes) await RateAsync(server, client, path, 2);
        for (var round = 0; round < rounds; round++)
            foreach (var (name, path) in routes)
                rates[name].Add(await RateAsync(server, client, path, seconds));
        Console.WriteLine($"| route ({ThroughputClients} keep-alive clients, {rounds} interleaved rounds of {seconds:F0} s) | body bytes | requests/s per round | share of the floor's | share of its fixed body's | server CPU µs per request |");
        Console.WriteLine("|---|---:|---|---|---|---|");
        var floor = rates[routes[0].Name];
        foreach (var (name, _) in routes)
        {
            var r = rates[name];
            var sameSize = fixedBodyOf.TryGetValue(name, out var fixedName) ? rates[fixedName] : null;
            Console.WriteLine($"| {name} | {r[0].Bytes:N0} | {string.Join(", ", r.Select(x => x.Rate.ToString("N0", CultureInfo.InvariantCulture)))} | " +
                              $"{Shares(r, floor)} | {(sameSize is null ? "" : Shares(r, sameSize))} | " +
                              $"{string.Join(", ", r.Select(x => x.ServerMicroseconds.ToString("F0", CultureInfo.InvariantCulture)))} |");
        }
    }

    private static string Shares(List<(double Rate, double, long)> rates, List<(double Rate, double, long)> of) =>
        string.Join(", ", rates.Select((x, i) => (x.Rate / of[i].Rate).ToString("P0", CultureInfo.InvariantCulture)));

    /// <summary>Requests per second over <paramref name="seconds"/>, the server's CPU time per request, and the body's size.</summary>
    private static async Task<(double Rate, double ServerMicroseconds, long Bytes)> RateAsync(Server server, HttpClient client, string path, double seconds)
    {
        var cpu = server.CpuTime();
        var clock = Stopwatch.StartNew();
        long bytes = 0;
        var counts = await Task.WhenAll(Enumerable.Range(0, ThroughputClients).Select(async _ =>
        {
            var (count, buffer) = (0, new byte[64 << 10]);
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync();
                var read = 0L;
                for (int n; (n = await body.ReadAsync(buffer)) > 0;) read += n;
                bytes = read;
                count++;
            }
            return count;
        }));
        var (elapsed, requests) = (clock.Elapsed.TotalSeconds, counts.Sum());
        return (requests / elapsed, (server.CpuTime() - cpu).TotalMicroseconds / requests, bytes);
    }

    /// <summary>Sixteen different uncached 30-Mpx pictures at once, each read 16 KB at a time at about 4 MB/s.</summary>
    private static async Task SlowPicturesAsync(Server server, string name, string query)
    {
        using var client = Client(server, SlowClients);
        var before = server.ResidentBytes();
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, SlowClients).Select(async i =>
        {
            var first = 90001 + i * 100;
            var path = $"api/frames/image?dataset=bench&depth_min={first / 10.0:R}&depth_max={(first + PictureRows - 1) / 10.0:R}{query}";
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            var firstByte = clock.Elapsed;
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[16 << 10];
            long bytes = 0;
            for (int read; (read = await body.ReadAsync(buffer)) > 0;)
            {
                bytes += read;
                await Task.Delay(4);
            }
            return (Status: (int)response.StatusCode, Bytes: bytes, FirstByte: firstByte, Done: clock.Elapsed);
        }));
        var peak = server.PeakResidentBytes();
        Console.WriteLine($"| {SlowClients} clients at once, each a different uncached {PictureRows:N0}-row {name} ({PictureRows * 150 / 1e6:F0} Mpx), read slowly | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| server resident before, MB | {before / 1e6:F0} |");
        Console.WriteLine($"| **server peak resident (VmHWM), MB** | **{peak / 1e6:F0}** |");
        Console.WriteLine($"| statuses | {string.Join(" ", results.GroupBy(r => r.Status).Select(g => $"{g.Count()}×{g.Key}"))} |");
        Console.WriteLine($"| picture size, MB | {results.Average(r => r.Bytes) / 1e6:F1} |");
        Console.WriteLine($"| first byte, s (first / last client) | {results.Min(r => r.FirstByte).TotalSeconds:F2} / {results.Max(r => r.FirstByte).TotalSeconds:F2} |");
        Console.WriteLine($"| all sent, s | {results.Max(r => r.Done).TotalSeconds:F1} |");
    }

    /// <summary>Clients as browsers and Python's requests are: they accept gzip. They count the bytes as sent, without
    /// inflating them: this machine's two cores are shared with the server.</summary>
    private static HttpClient Client(Server server, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromMinutes(5),
            DefaultRequestHeaders = { AcceptEncoding = { new System.Net.Http.Headers.StringWithQualityHeaderValue("gzip") } },
        };

    private static async Task IngestSampleAsync(string folder, string database)
    {
        var csv = Path.Combine(folder, "bench.csv");
        using (var file = File.Create(csv)) SampleLog.Write(new SampleLogSpec(Rows: DatasetRows), file);
        var options = new FramesOptions { DatabasePath = database };
        using var store = FrameStore.Create(options);
        var metrics = new FramesMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var ingest = new IngestService(store, options, metrics, NullLogger<IngestService>.Instance);
        await using var stream = File.OpenRead(csv);
        var result = await ingest.IngestAsync(stream, "bench", "bench.csv");
        if (result.Status != IngestStatus.Succeeded) throw new InvalidOperationException(result.Error);
    }

    private static string? Option(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    /// <summary>The bench run as a server process with the function app's garbage collector settings.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly Process _process;

        private Server(Process process, string url) => (_process, Url) = (process, url);

        public string Url { get; }

        public static async Task<Server> StartAsync(string database)
        {
            var url = $"http://127.0.0.1:{FreePort()}/";
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true,
                Environment =
                {
                    ["FRAMES_DB_PATH"] = database,
                    // The function app's runtimeconfig: workstation GC, not concurrent (FramesFunctions.csproj).
                    ["DOTNET_gcServer"] = "0", ["DOTNET_gcConcurrent"] = "0",
                },
            };
            foreach (var arg in new[] { typeof(ServeBench).Assembly.Location, "serve-host", url }) start.ArgumentList.Add(arg);
            var process = Process.Start(start)!;
            if (await process.StandardOutput.ReadLineAsync() != "listening") throw new InvalidOperationException("the bench server did not start");
            return new Server(process, url);
        }

        public long ResidentBytes() => Status("VmRSS:");

        /// <summary>User and system CPU time the server has used so far.</summary>
        public TimeSpan CpuTime()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        public long PeakResidentBytes() => Status("VmHWM:");

        private long Status(string field) =>
            long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000)) _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
