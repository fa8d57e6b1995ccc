using System.CommandLine;
using System.Globalization;
using ImageFrames.Sample;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames sample</c>: writes a realistic synthetic depth log, so everything can be tried (and
/// tested, and benchmarked) without anybody's data.</summary>
public static class SampleVerb
{
    public static Command Create(CliContext cli)
    {
        var defaults = new SampleLogSpec();
        var rows = CliOptions.WholeNumber("--rows", $"data rows (default {defaults.Rows:N0}; an all-empty row follows them)", 1, 100_000_000);
        var columns = CliOptions.WholeNumber("--columns", $"pixel columns (default {defaults.Columns})", 1, 10_000);
        var depthStart = new Option<decimal?>("--depth-start")
        {
            Description = $"depth of the first row, a multiple of {SampleLogSpec.DepthStep} (default {defaults.DepthStart}); rows step by {SampleLogSpec.DepthStep}",
            HelpName = "DEPTH",
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && decimal.Round(d, 1) == d && Math.Abs(d) < 1e12m) return d;
                result.AddError($"--depth-start expects a number with at most one decimal, got '{text}'");
                return null;
            },
        };
        var seed = new Option<int?>("--seed") { Description = $"seed of the picture; the same seed gives the same file (default {defaults.Seed})" };
        var output = new Option<string>("--out", "-o") { Description = "file to write, or - for standard output", HelpName = "FILE", DefaultValueFactory = _ => "-" };
        var command = new Command("sample", "Write a synthetic depth-indexed image log (CSV) shaped like real ones: " +
                                            "dipping beds, fractures, a washed-out zone, noise.") { rows, columns, depthStart, seed, output };
        command.SetAction(async (parsed, ct) =>
        {
            var spec = new SampleLogSpec(parsed.GetValue(rows) ?? defaults.Rows, parsed.GetValue(columns) ?? defaults.Columns,
                parsed.GetValue(depthStart) ?? defaults.DepthStart, parsed.GetValue(seed) ?? defaults.Seed);
            var path = parsed.GetValue(output)!;
            if (path == "-")
            {
                await using var stdout = Console.OpenStandardOutput();
                SampleLog.Write(spec, stdout);
                return CommandLine.Ok;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await using (var file = File.Create(path)) SampleLog.Write(spec, file);
            await cli.Console.Out.WriteLineAsync($"wrote {path}: {spec.Rows:N0} rows × {spec.Columns} columns, depth {spec.DepthStart}.." +
                                                 $"{spec.DepthStart + (spec.Rows - 1) * SampleLogSpec.DepthStep}, seed {spec.Seed}");
            return CommandLine.Ok;
        });
        return command;
    }
}
