using System.Diagnostics;
using System.Globalization;
using ImageFrames.Configuration;
using ImageFrames.Interpret;
using ImageFrames.Ingest;
using ImageFrames.Resize;
using ImageFrames.Sample;
using ImageFrames.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Bench;

/// <summary>
/// The dip picker scored against the planes <c>frames sample</c> planted: for each seed and noise level, a sample
/// log is ingested as a user would (CSV, resized to 150 columns) and scanned whole; a detection matches a planted
/// plane when its depth is within max(0.3 ft, 10 % of the trace's height) and its dip within 5° (each plane and each
/// detection used once, nearest first). Prints one Markdown row per log, the misses by cause and the recall outside
/// the logs' washouts (where the picture is too noisy to see a plane).
/// Usage: dotnet run -c Release --project bench/FramesBench -- dips [--seeds 1,2,3] [--noise 6,12,20] [--rows 5460] [--sensitivity 0] [--list]
/// (or `dips --pure-noise [--sensitivity 0]`: the false traces pure noise gives, block by block)
/// (--list: every missed plane and every unmatched detection, with its nearest counterpart, on standard error).
/// </summary>
public static class DipBench
{
    private const double DiameterFeet = 8.5 / 12;

    public static async Task RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        var seeds = Arg("--seeds", "1,2,3").Split(',').Select(int.Parse).ToArray();
        var noises = Arg("--noise", "6,12,20").Split(',').Select(int.Parse).ToArray();
        var rows = int.Parse(Arg("--rows", "5460"), CultureInfo.InvariantCulture);
        var sensitivity = double.Parse(Arg("--sensitivity", "0"), CultureInfo.InvariantCulture);
        var list = args.Contains("--list");
        if (args.Contains("--pure-noise"))
        {
            PureNoise(sensitivity);
            return;
        }
        var folder = Directory.CreateTempSubdirectory("frames-bench-dips-").FullName;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {rows:N0} rows × 200 columns → 150, hole {DiameterFeet * 12} in");
        Console.WriteLine();
        Console.WriteLine("| seed | noise ± | planted | detected | matched | recall | precision | median dip error | median azimuth error (dip ≥ 10°) | scan s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var misses = new Dictionary<string, int>();
        var (allPlanted, allFound, allMatched) = (0, 0, 0);
        var (plantedOutside, matchedOutside) = (0, 0);
        var (dipErrors, azimuthErrors) = (new List<double>(), new List<double>());
        try
        {
            foreach (var noise in noises)
                foreach (var seed in seeds)
                {
                    var spec = new SampleLogSpec(Rows: rows, Seed: seed, Noise: noise);
                    var options = new FramesOptions { DatabasePath = Path.Combine(folder, $"s{seed}n{noise}.db") };
                    using var store = FrameStore.Create(options);
                    var csv = Path.Combine(folder, "sample.csv");
                    using (var file = File.Create(csv)) SampleLog.Write(spec, file);
                    var metrics = new Configuration.FramesMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
                    await using (var stream = File.OpenRead(csv))
                        await new IngestService(store, options, metrics, NullLogger<IngestService>.Instance).IngestAsync(stream, "sample", "sample.csv");
                    var clock = Stopwatch.StartNew();
                    List<DetectedDip> found;
                    using (var frames = store.StreamFrames("sample", DepthRange.All)!)
                        found = new DipScan(HoleLog.Plain(DiameterFeet), sensitivity).Scan(frames, null).ToList();
                    var seconds = clock.Elapsed.TotalSeconds;
                    var planted = SampleLog.Planes(spec, DiameterFeet);
                    var score = Score(planted, found);
                    var washout = SampleLog.Washout(spec);
                    bool Outside(PlantedPlane p) => p.Depth < washout.Top || p.Depth >= washout.Bottom;
                    foreach (var cause in score.Missed.Select(miss => Cause(miss, Outside(miss), planted))) misses[cause] = misses.GetValueOrDefault(cause) + 1;
                    if (list)
                        foreach (var extra in found.Where(f => !score.Pairs.Any(p => ReferenceEquals(p.Found, f))))
                        {
                            var near = planted.OrderBy(p => Math.Abs(p.Depth - extra.Depth)).First();
                            Console.Error.WriteLine($"extra {extra.Depth:F2} dip {extra.ApparentDip:F1} az {extra.ApparentAzimuth:F0} score {extra.Score:F1} {extra.Shape} | nearest planted {near.Depth:F2} dip {near.Dip:F1} az {near.Azimuth:F0} {near.Kind}");
                        }
                    if (list)
                        foreach (var miss in score.Missed)
                        {
                            var near = found.OrderBy(f => Math.Abs(f.Depth - miss.Depth)).FirstOrDefault();
                            var neighbour = planted.Where(p => !ReferenceEquals(p, miss)).Min(p => Math.Abs(p.Depth - miss.Depth));
                            Console.Error.WriteLine($"miss {miss.Depth:F2} dip {miss.Dip:F1} az {miss.Azimuth:F0} amp {miss.Amplitude:F2} contrast {miss.Contrast:F0} " +
                                                    $"next planted {neighbour:F2} away | nearest found {near?.Depth:F2} dip {near?.ApparentDip:F1} az {near?.ApparentAzimuth:F0} score {near?.Score:F1}");
                        }
                    (allPlanted, allFound, allMatched) = (allPlanted + planted.Count, allFound + found.Count, allMatched + score.Pairs.Count);
                    (plantedOutside, matchedOutside) = (plantedOutside + planted.Count(Outside), matchedOutside + score.Pairs.Count(p => Outside(p.Planted)));
                    var dips = score.Pairs.Select(p => Math.Abs(p.Found.ApparentDip - p.Planted.Dip)).ToList();
                    var azimuths = score.Pairs.Where(p => p.Planted.Dip >= 10).Select(p => AngleBetween(p.Found.ApparentAzimuth, p.Planted.Azimuth)).ToList();
                    dipErrors.AddRange(dips);
                    azimuthErrors.AddRange(azimuths);
                    Console.WriteLine($"| {seed} | {noise} | {planted.Count} | {found.Count} | {score.Pairs.Count} | {Percent(score.Pairs.Count, planted.Count)} | " +
                                      $"{Percent(score.Pairs.Count, found.Count)} | {Median(dips):F2}° | {Median(azimuths):F2}° | {seconds:F2} |");
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                }
            Console.WriteLine($"| all | | {allPlanted} | {allFound} | {allMatched} | {Percent(allMatched, allPlanted)} | {Percent(allMatched, allFound)} | " +
                              $"{Median(dipErrors):F2}° | {Median(azimuthErrors):F2}° | |");
            Console.WriteLine();
            Console.WriteLine("Misses by cause: " + string.Join(", ", misses.OrderByDescending(m => m.Value).Select(m => $"{m.Key} {m.Value}")));
            Console.WriteLine($"Recall outside the washouts: {Percent(matchedOutside, plantedOutside)} of {plantedOutside} planes");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// What the threshold promises, measured: blocks of pure noise (ten of ±12 greys, ten of ±40; 200 columns resized
    /// to 150 by area, as ingest does) searched as <see cref="DipScan"/> searches them — a 512-row core with the 70 rows
    /// an 87° dip reaches in an 8½-in hole at 0.1-ft rows, and the rows the detector reads beyond — and every trace
    /// found counted: at most one a block is the promise at sensitivity 0.
    /// </summary>
    private static void PureNoise(double sensitivity)
    {
        const int Source = 200, Width = 150, Reach = 70;
        var margin = Reach + TraceDetector.ContextRows;
        var rows = DipScan.CoreRows + 2 * margin;
        var (found, blocks) = (0, 0);
        var resizer = RowResizer.For(Source, Width, Resampler.Area);
        foreach (var noise in (int[])[12, 40])
            for (var seed = 1; seed <= 10; seed++, blocks++)
            {
                var random = new Random(seed);
                var greys = new byte[rows * Width];
                var source = new byte[Source];
                for (var r = 0; r < rows; r++)
                {
                    for (var c = 0; c < Source; c++) source[c] = (byte)(120 + random.Next(-noise, noise + 1));
                    resizer.Resize(source, greys.AsSpan(r * Width, Width));
                }
                found += TraceDetector.Detect(greys, rows, Width, null, margin, margin + DipScan.CoreRows, Reach, sensitivity).Count;
            }
        Console.WriteLine($"pure noise, sensitivity {sensitivity}: {found} false traces in {blocks} blocks of {DipScan.CoreRows} rows (promise: at most 10^sensitivity a block)");
    }

    public sealed record Scored(List<(PlantedPlane Planted, DetectedDip Found)> Pairs, List<PlantedPlane> Missed);

    /// <summary>Greedy one-to-one matching, closest depths first.</summary>
    public static Scored Score(IReadOnlyList<PlantedPlane> planted, IReadOnlyList<DetectedDip> found)
    {
        var candidates = new List<(double Distance, int P, int F)>();
        for (var p = 0; p < planted.Count; p++)
            for (var f = 0; f < found.Count; f++)
            {
                var distance = Math.Abs(found[f].Depth - planted[p].Depth);
                if (distance <= Math.Max(0.3, 0.2 * planted[p].Amplitude) && Math.Abs(found[f].ApparentDip - planted[p].Dip) <= 5)
                    candidates.Add((distance, p, f));
            }
        var (takenP, takenF) = (new bool[planted.Count], new bool[found.Count]);
        var pairs = new List<(PlantedPlane, DetectedDip)>();
        foreach (var (_, p, f) in candidates.OrderBy(c => c.Distance))
        {
            if (takenP[p] || takenF[f]) continue;
            (takenP[p], takenF[f]) = (true, true);
            pairs.Add((planted[p], found[f]));
        }
        return new Scored(pairs, planted.Where((_, i) => !takenP[i]).ToList());
    }

    private static string Cause(PlantedPlane miss, bool outsideWashout, IReadOnlyList<PlantedPlane> planted) =>
        !outsideWashout ? "in the washout"
        : Math.Abs(miss.Contrast) < 6 ? "faint (step under 6 greys)"
        : miss.Dip < 10 ? "dip under 10°"
        : planted.Any(p => !ReferenceEquals(p, miss) && Math.Abs(p.Depth - miss.Depth) <= Crowded) ? $"another plane within {Crowded} ft"
        : miss.Kind == "fracture" ? "fracture"
        : "other bed boundary";

    /// <summary>Planes crossing the axis this close (ft, 5 rows) share most of their pixels near it: a dense zone.</summary>
    private const double Crowded = 0.5;

    private static double AngleBetween(double a, double b) => Math.Abs(Plane.Normalize(a - b + 180) - 180);

    private static string Percent(int part, int whole) => whole == 0 ? "–" : $"{100.0 * part / whole:F1} %";

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
