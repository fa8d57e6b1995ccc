using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImageFrames.Sample;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames sample</c>: writes a realistic synthetic depth log, so everything can be tried (and
/// tested, and benchmarked) without anybody's data.</summary>
public static class SampleVerb
{
    /// <summary>An 8½-in hole, the commonest bit size for imaging runs.</summary>
    public const double DefaultDiameterInches = 8.5;

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
        var truth = new Option<string?>("--truth") { Description = "also write the planes the picture holds (depth, dip, azimuth, kind) as JSON, for scoring a dip picker", HelpName = "FILE.json" };
        var diameter = new Option<double?>("--diameter")
        {
            Description = $"the hole's diameter in inches the truth's dips are for (default {DefaultDiameterInches}); depths are in feet",
            HelpName = "INCHES",
            CustomParser = result => CliOptions.Parse(result, text =>
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is > 0 and <= 100 ? d : (double?)null,
                "a diameter in inches above 0 and at most 100"),
        };
        var command = new Command("sample", "Write a synthetic depth-indexed image log (CSV) shaped like real ones: " +
                                            "dipping beds, fractures, a washed-out zone, noise.") { rows, columns, depthStart, seed, output, truth, diameter };
        command.SetAction(async (parsed, ct) =>
        {
            var spec = new SampleLogSpec(parsed.GetValue(rows) ?? defaults.Rows, parsed.GetValue(columns) ?? defaults.Columns,
                parsed.GetValue(depthStart) ?? defaults.DepthStart, parsed.GetValue(seed) ?? defaults.Seed);
            var path = parsed.GetValue(output)!;
            if (parsed.GetValue(truth) is { } truthPath)
            {
                var inches = parsed.GetValue(diameter) ?? DefaultDiameterInches;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(truthPath))!);
                await using var file = File.Create(truthPath);
                await JsonSerializer.SerializeAsync(file, new
                {
                    depth_unit = "ft",
                    diameter_in = inches,
                    columns_from = "north, clockwise; a vertical hole",
                    planes = SampleLog.Planes(spec, inches / 12).Select(p => new { depth = Math.Round(p.Depth, 4), dip = Math.Round(p.Dip, 3),
                        azimuth = Math.Round(p.Azimuth, 3), kind = p.Kind, amplitude = Math.Round(p.Amplitude, 4), contrast = Math.Round(p.Contrast, 1) }),
                }, new JsonSerializerOptions { WriteIndented = true }, ct);
            }
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
