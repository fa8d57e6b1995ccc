using System.Diagnostics;
using System.Globalization;
using ImageFrames.Configuration;
using ImageFrames.Ingest;
using ImageFrames.Parse;
using ImageFrames.Render;
using ImageFrames.Sample;
using ImageFrames.Serve;
using ImageFrames.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

// Whole-file benchmark: generates inputs with `frames sample`'s generator (200 grey columns, depth step 0.1),
// then measures ingest (and each stage alone) and the query paths in-process. Prints a Markdown table.
// Usage: dotnet run -c Release --project bench/FramesBench -- [--rows 5460,100000,1000000] [--iterations 300]
//        dotnet run -c Release --project bench/FramesBench -- cold-start [--runs 5]   (see ColdStart.cs)
//        dotnet run -c Release --project bench/FramesBench -- dlis [--frames 250000]  (DLIS ingest through the CLI)
//        dotnet run -c Release --project bench/FramesBench -- serve [--seconds 3]     (through HTTP; see ServeBench.cs)
//        dotnet run -c Release --project bench/FramesBench -- fairness BASE --limit N (rate limits; see FairnessBench.cs)
//        dotnet run -c Release --project bench/FramesBench -- dips [--seeds 1,2,3] [--noise 6,12,20] (dip picker vs planted planes)
// With FRAMES_POSTGRES set, every stage runs against that PostgreSQL database instead of SQLite files (one
// dataset per run, named like the file it would have been; replaced on each run).
if (args.FirstOrDefault() == "micro")
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args[1..], MicroBenchmarks.Config);
    return;
}
if (args.FirstOrDefault() == "cold-start")
{
    var runs = int.Parse(args.SkipWhile(a => a != "--runs").Skip(1).FirstOrDefault() ?? "5", CultureInfo.InvariantCulture);
    await ImageFrames.Bench.ColdStart.RunAsync(runs);
    return;
}
if (args.FirstOrDefault() == "serve")
{
    await ImageFrames.Bench.ServeBench.RunAsync(args);
    return;
}
if (args.FirstOrDefault() == "fairness")
{
    await ImageFrames.Bench.FairnessBench.RunAsync(args);
    return;
}
if (args.FirstOrDefault() == "dips")
{
    await ImageFrames.Bench.DipBench.RunAsync(args);
    return;
}
if (args.FirstOrDefault() == "serve-host")
{
    await ImageFrames.Bench.ServeBench.HostAsync(args[1]);
    return;
}
if (args.FirstOrDefault() == "dlis")
{
    // The DLIS ingest as a user runs it (the CLI, process start included): a large FMI-like file, three runs.
    var frames = int.Parse(args.SkipWhile(a => a != "--frames").Skip(1).FirstOrDefault() ?? "250000", CultureInfo.InvariantCulture);
    var dlisFolder = Directory.CreateTempSubdirectory("frames-bench-dlis-").FullName;
    try
    {
        var dlis = Path.Combine(dlisFolder, "fmi.dlis");
        ImageFrames.Bench.DlisImageLog.Write(dlis, frames);
        var megabytes = new FileInfo(dlis).Length / 1e6;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine("| input | MB | stage | wall s | MB/s | frames/s | peak working set MB |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|");
        for (var run = 0; run < 3; run++)
        {
            var (rows, wall, peak) = CliIngest(dlis, Target(dlisFolder, $"dlis{run}"), frames);
            Console.WriteLine($"| {frames:N0} frames × {ImageFrames.Bench.DlisImageLog.Buttons} FSINGL | {megabytes:F0} | CLI ingest (process), run {run + 1} | {wall.TotalSeconds:F2} | {megabytes / wall.TotalSeconds:F0} | {rows / wall.TotalSeconds:N0} | {peak / 1e6:F0} |");
        }
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dlisFolder, recursive: true);
    }
    return;
}
// As the function app does (its Program.cs): the store's calls block threads, and up to 32 requests run at once.
ThreadPool.GetMinThreads(out _, out var completionThreads);
ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), completionThreads);
var rowSizes = args.SkipWhile(a => a != "--rows").Skip(1).FirstOrDefault()?.Split(',').Select(int.Parse).ToArray() ?? [5460, 100_000, 1_000_000];
var iterations = int.Parse(args.SkipWhile(a => a != "--iterations").Skip(1).FirstOrDefault() ?? "300", CultureInfo.InvariantCulture);
var folder = Directory.CreateTempSubdirectory("frames-bench-").FullName;
var postgres = Environment.GetEnvironmentVariable("FRAMES_POSTGRES");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; temp {folder}; " +
                  $"store: {(string.IsNullOrWhiteSpace(postgres) ? "SQLite files" : "PostgreSQL " + PostgresFrameStore.Describe(new Npgsql.NpgsqlConnectionStringBuilder(postgres)))}");
Console.WriteLine();
Console.WriteLine("| input | MB | stage | wall s | MB/s | rows/s | peak working set MB |");
Console.WriteLine("|---|---:|---|---:|---:|---:|---:|");
try
{
    foreach (var rows in rowSizes)
    {
        var csv = Path.Combine(folder, $"bench{rows}.csv");
        Generate(csv, rows);
        var mb = new FileInfo(csv).Length / 1e6;
        var stages = rows == rowSizes.Max() ? new[] { "parse", "parse+resize", "ingest", "CLI ingest (process)" } : ["ingest", "CLI ingest (process)"];
        foreach (var stage in stages)
        {
            // Best of two runs: the first run of a stage on a big file still pays for tiered JIT's
            // on-stack replacement of its hot loops, which would make stage order decide the ranking.
            var best = TimeSpan.MaxValue;
            long peakBytes = 0;
            var count = 0;
            for (var run = 0; run < 2; run++)
            {
                GC.Collect();
                var target = Target(folder, $"bench{rows}-{(stage.StartsWith("CLI") ? "cli" : "")}{run}");
                (count, var wall, var peak) = stage.StartsWith("CLI") ? CliIngest(csv, target, rows) : await InProcess(stage, csv, target);
                best = wall < best ? wall : best;
                peakBytes = Math.Max(peakBytes, peak);
            }
            Console.WriteLine($"| {rows:N0} rows | {mb:F0} | {stage} | {best.TotalSeconds:F2} | {mb / best.TotalSeconds:F0} | {count / best.TotalSeconds:N0} | {peakBytes / 1e6:F0} |");
        }
    }
    Console.WriteLine();
    LevelStorage(Target(folder, $"bench{rowSizes.Max()}-1"));
    Console.WriteLine();
    if (!string.IsNullOrWhiteSpace(postgres))
    {
        // After a big ingest autovacuum sweeps the new rows (and checkpoints write them out) for a minute or so,
        // competing for the same 2 cores: do that work now, so the queries measure the steady state.
        Console.WriteLine("(PostgreSQL: VACUUM ANALYZE and CHECKPOINT first, the work autovacuum would otherwise be doing during the queries)");
        await using var connection = new Npgsql.NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var settle = new Npgsql.NpgsqlCommand("VACUUM ANALYZE; CHECKPOINT", connection) { CommandTimeout = 0 };
        await settle.ExecuteNonQueryAsync();
    }
    QueryBench(folder, rowSizes, iterations);
    Console.WriteLine();
    await ConcurrentImageBench(folder, rowSizes.Max());
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(folder, recursive: true);
}

/// <summary>Where one run's dataset goes: a SQLite file of its own, or a dataset of its own in PostgreSQL
/// (deleted first, so a run always writes it anew).</summary>
static (FramesOptions Options, string Dataset) Target(string folder, string name)
{
    var options = new FramesOptions
    {
        DatabasePath = Path.Combine(folder, name + ".db"),
        PostgresConnectionString = Environment.GetEnvironmentVariable("FRAMES_POSTGRES"),
        CacheMaxBytes = 256 << 20,
    };
    return (options, name);
}

static async Task<(int Rows, TimeSpan Wall, long PeakBytes)> InProcess(string stage, string csv, (FramesOptions Options, string Dataset) target)
{
    if (stage == "ingest")
        using (var store = FrameStore.Create(target.Options)) store.DeleteDataset(target.Dataset);
    var peak = new PeakWorkingSet();
    var clock = Stopwatch.StartNew();
    var rows = stage == "ingest" ? await Ingest(csv, target) : await Parse(csv, resize: stage != "parse");
    return (rows, clock.Elapsed, peak.Stop());
}

static async Task<int> Ingest(string csv, (FramesOptions Options, string Dataset) target)
{
    using var store = FrameStore.Create(target.Options);
    var ingest = new IngestService(store, target.Options, Metrics(), NullLogger<IngestService>.Instance);
    await using var stream = new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
    var result = await ingest.IngestAsync(stream, target.Dataset, target.Dataset + ".csv");
    if (result.Status != ImageFrames.Store.IngestStatus.Succeeded) throw new InvalidOperationException(result.Error);
    return result.Rows;
}

static async Task<int> Parse(string csv, bool resize)
{
    await using var stream = new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
    // Target width 200 = source width: the resizer's plan is then a plain copy, i.e. "parse only".
    using var reader = await CsvFrameReader.OpenAsync(stream, resize ? 150 : 200, ImageFrames.Resize.Resampler.Area, new CsvLimits(10_000, int.MaxValue), default);
    var batch = new FrameBatch(4096, reader.TargetWidth);
    while (await reader.FillAsync(batch, default)) { }
    return reader.Rows;
}

// Every query on the smallest and the largest dataset side by side: with the chunk index the cost of a query
// should follow the rows it returns, not the rows the dataset holds. The two datasets' requests alternate, so
// both see the same machine: this one drifts by tens of percent within minutes, and measured one after the
// other the ratio of a sub-millisecond query swung from 0.6× to 2.6× between runs.
static void QueryBench(string folder, int[] rowSizes, int iterations)
{
    var sizes = new[] { rowSizes.Min(), rowSizes.Max() }.Distinct().ToArray();
    var targets = sizes.Select(rows =>
    {
        var (options, dataset) = Target(folder, $"bench{rows}-1");
        var store = FrameStore.Create(options);
        return new QueryTarget(store, Api(store, options), options, dataset, rows);
    }).ToArray();
    try
    {
        foreach (var target in targets)
            Console.WriteLine($"({target.Rows:N0}-row dataset: the widest PNG within the pixel budget has {target.WidestRows:N0} rows)");
        Console.WriteLine($"| query ({iterations} requests each, alternating between the datasets; mean / p99 ms) | " +
                          string.Join(" | ", sizes.Select(r => $"{r:N0} rows")) + (sizes.Length > 1 ? " | ratio |" : " |"));
        Console.WriteLine("|---|" + string.Concat(sizes.Select(_ => "---:|")) + (sizes.Length > 1 ? "---:|" : ""));
        foreach (var name in targets[0].Queries.Keys)
        {
            // Warm up for a second (at most 1,000 calls) each: tiered JIT replaces the start-up code of the methods
            // on the path only after they have run a while, and the first few hundred requests measured 2-3x slower.
            foreach (var target in targets)
            {
                var warmUp = Stopwatch.StartNew();
                for (var i = 0; i < 1000 && warmUp.ElapsedMilliseconds < 1000; i++) target.Run(name, i % 1000);
            }
            var samples = targets.Select(_ => new List<double>(iterations)).ToArray();
            for (var i = 0; i < iterations; i++)
                for (var t = 0; t < targets.Length; t++)
                {
                    var clock = Stopwatch.StartNew();
                    targets[t].Run(name, 1000 + i); // windows not used in the warm-up, so "uncached" really misses
                    samples[t].Add(clock.Elapsed.TotalMilliseconds);
                }
            foreach (var list in samples) list.Sort();
            var cells = samples.Select(list => $"{list.Average():F3} / {list[(int)(list.Count * 0.99)]:F3}");
            var ratio = sizes.Length > 1 ? $" {samples[^1].Average() / samples[0].Average():F2}× |" : "";
            Console.WriteLine($"| {name} | {string.Join(" | ", cells)} |{ratio}");
        }
    }
    finally
    {
        foreach (var target in targets) target.Dispose();
    }
}

/// <summary>The command line's ingest as a user runs it, process start included, beside the in-process number;
/// the peak is the child process's own (VmHWM, read while it runs).</summary>
static (int Rows, TimeSpan Wall, long PeakBytes) CliIngest(string csv, (FramesOptions Options, string Dataset) target, int rows)
{
    using (var store = FrameStore.Create(target.Options)) store.DeleteDataset(target.Dataset);
    var start = new ProcessStartInfo("dotnet")
    {
        RedirectStandardOutput = true, RedirectStandardError = true,
        Environment = { ["FRAMES_DB_PATH"] = target.Options.DatabasePath, ["FRAMES_POSTGRES"] = target.Options.PostgresConnectionString },
    };
    foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "frames.dll"), "ingest", csv, "--dataset", target.Dataset, "--quiet" }) start.ArgumentList.Add(arg);
    var clock = Stopwatch.StartNew();
    using var cli = Process.Start(start)!;
    var output = cli.StandardOutput.ReadToEndAsync();
    var errors = cli.StandardError.ReadToEndAsync();
    long peak = 0;
    while (!cli.WaitForExit(10))
    {
        cli.Refresh();
        try { peak = Math.Max(peak, cli.PeakWorkingSet64); } catch (InvalidOperationException) { } // it just exited
    }
    var wall = clock.Elapsed;
    if (cli.ExitCode != 0 || !output.Result.StartsWith("succeeded")) throw new InvalidOperationException($"frames ingest: exit {cli.ExitCode}: {output.Result}{errors.Result}");
    return (rows, wall, peak);
}

/// <summary>How much the overview levels add to the stored rows.</summary>
static void LevelStorage((FramesOptions Options, string Dataset) target)
{
    using var store = FrameStore.Create(target.Options);
    var levels = store.LevelRows(target.Dataset);
    Console.WriteLine($"overview levels: {string.Join(" → ", levels)} rows; overviews add {levels.Skip(1).Sum() / (double)levels[0]:P1} of the base level");
}

// Sixteen clients at once each ask for a different uncached 20,000-row PNG (3 Mpx): what the worker's memory
// does under a burst of big requests, the case that once drove it to 3.2 GB. Two bursts: the first also opens
// the connections a burst needs (on PostgreSQL each is a new server process and a SCRAM handshake), the
// second finds them pooled.
static async Task ConcurrentImageBench(string folder, int rows)
{
    const int clients = 16, windowRows = 20_000;
    if (rows < windowRows + clients * 100) return;
    var (options, dataset) = Target(folder, $"bench{rows}-1");
    using var store = FrameStore.Create(options);
    var api = Api(store, options);
    Console.WriteLine($"| {clients} concurrent uncached {windowRows:N0}-row PNGs, {rows:N0}-row dataset | wall ms | working set before MB | peak MB | allocated MB | statuses |");
    Console.WriteLine("|---|---:|---:|---:|---:|---|");
    foreach (var burst in new[] { "first burst", "second burst" })
    {
        GC.Collect();
        var before = Process.GetCurrentProcess().WorkingSet64;
        var allocated = GC.GetTotalAllocatedBytes();
        var peak = new PeakWorkingSet();
        var clock = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Task.Run(() =>
        {
            var min = (90001 + i * 1000) / 10.0;
            var max = (90001 + i * 1000 + windowRows - 1) / 10.0;
            var rescale = burst == "first burst" ? $"{10 + i},{240 - i}" : $"{30 + i},{220 - i}"; // uncached in both bursts
            return api.FramesImage(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(
                $"dataset={dataset}&depth_min={min:R}&depth_max={max:R}&rescale={rescale}"))).Status;
        })));
        var wall = clock.Elapsed;
        var peakBytes = peak.Stop();
        Console.WriteLine($"| {burst} | {wall.TotalMilliseconds:F0} | {before / 1e6:F0} | {peakBytes / 1e6:F0} | {(GC.GetTotalAllocatedBytes() - allocated) / 1e6:F0} | " +
                          string.Join(" ", statuses.GroupBy(s => s).Select(g => $"{g.Count()}×{g.Key}")) + " |");
    }
}

static FramesApi Api(FrameStore store, FramesOptions options) =>
    new(store, new IngestService(store, options, Metrics(), NullLogger<IngestService>.Instance), new ResponseCache(options, store), new RenderGate(), options);

static FramesMetrics Metrics() =>
    new(new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider()
        .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

static void Generate(string path, int rows)
{
    using var file = File.Create(path);
    SampleLog.Write(new SampleLogSpec(Rows: rows), file);
}

/// <summary>Samples the process working set every 10 ms on a background thread and keeps the maximum.</summary>
sealed class PeakWorkingSet
{
    private long _peak;
    private volatile bool _running = true;
    private readonly Thread _thread;

    public PeakWorkingSet()
    {
        _thread = new Thread(() =>
        {
            using var process = Process.GetCurrentProcess();
            while (_running)
            {
                process.Refresh();
                _peak = Math.Max(_peak, process.WorkingSet64);
                Thread.Sleep(10);
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    public long Stop()
    {
        _running = false;
        _thread.Join();
        return _peak;
    }
}

/// <summary>One dataset of the query bench: its store, the API over it, and each query as a function of the
/// request number (windows start at a different depth on every request, so each one misses the cache).</summary>
sealed class QueryTarget : IDisposable
{
    private readonly FrameStore _store;

    public int Rows { get; }
    public int WidestRows { get; }
    public Dictionary<string, Func<int, ApiResponse>> Queries { get; }

    public QueryTarget(FrameStore store, FramesApi api, FramesOptions options, string dataset, int rows)
    {
        (_store, Rows) = (store, rows);
        var windows = Math.Max(1, rows - 100);
        // A 100-row window is a depth range holding 100 rows, as clients ask for it (both bounds given).
        string Window(int i) => $"depth_min={(90001 + i % windows) / 10.0:R}&depth_max={(90001 + i % windows + 99) / 10.0:R}";
        // The widest picture the pixel budget allows, from the start of the dataset (all of a small one).
        WidestRows = (int)Math.Min(rows, options.MaxImagePixels / options.TargetWidth);
        var widestWindow = $"depth_max={(90001 + WidestRows - 1) / 10.0:R}";
        QueryCollection Query(string text) => new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery($"dataset={dataset}&{text}"));
        Queries = new()
        {
            ["100-row JSON window, uncached"] = i => api.Frames(Query(Window(i))),
            ["open-ended JSON window (depth_min only, limit 100), uncached"] = i => api.Frames(Query($"depth_min={(90001 + i % windows) / 10.0:R}")),
            ["full-range JSON (first 1,000-row page), uncached"] = _ => { api.ClearCache(); return api.Frames(Query("limit=1000")); },
            ["100-row PNG, uncached"] = i => api.FramesImage(Query(Window(i))),
            ["full-range PNG at height=1000 (overview levels), uncached"] = _ => { api.ClearCache(); return api.FramesImage(Query("height=1000")); },
            ["widest PNG within the budget, uncached"] = _ => { api.ClearCache(); return api.FramesImage(Query(widestWindow)); },
            ["same PNG, cached"] = _ => api.FramesImage(Query(widestWindow)),
        };
    }

    public void Run(string name, int request)
    {
        var response = Queries[name](request);
        if (response.Status != 200) throw new InvalidOperationException($"{name}: {response.Status} {System.Text.Encoding.UTF8.GetString(response.Body)}");
    }

    public void Dispose() => _store.Dispose();
}
