using System.CommandLine;
using System.Globalization;
using ImageFrames.Interpret;
using ImageFrames.Render;
using ImageFrames.Serve;
using ImageFrames.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames dips</c>: the automatic dip picker over a whole dataset (or a window of it), as
/// <c>GET /api/frames/dips</c> answers, without the route's row limit and on every core.</summary>
public static class DipsVerb
{
    public static Command Create(CliContext cli)
    {
        var dataset = CliOptions.DatasetArgument();
        var min = CliOptions.Depth("--depth-min", "shallowest depth searched, inclusive (default: the dataset's first)");
        var max = CliOptions.Depth("--depth-max", "deepest depth searched, inclusive (default: the dataset's last)");
        var diameter = new Option<string?>("--diameter") { Description = "the hole's diameter, when the dataset has no caliper or bit-size curve", HelpName = "NUMBER" };
        var diameterUnit = new Option<string?>("--diameter-unit") { Description = "in (default), mm, cm, m or ft", HelpName = "UNIT" };
        var depthUnit = new Option<string?>("--depth-unit") { Description = "ft or m: the dataset's depth unit, for a CSV dataset with --diameter", HelpName = "UNIT" };
        var sensitivity = new Option<string?>("--sensitivity") { Description = $"log10 of the false planes accepted per block searched ({DipsApi.MinSensitivity} to {DipsApi.MaxSensitivity}, default 0)", HelpName = "NUMBER" };
        var output = new Option<string>("--out", "-o") { Description = "FILE.csv or FILE.json", HelpName = "FILE", Required = true };
        var command = new Command("dips", "Find the planes (bed boundaries, fractures) a dataset's image shows, as depth, dip and azimuth.")
            { dataset, min, max, diameter, diameterUnit, depthUnit, sensitivity, output };
        command.SetAction(async (parsed, ct) =>
        {
            var path = parsed.GetValue(output)!;
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is not (".csv" or ".json")) throw new UsageException($"--out {path}: give a file ending .csv or .json");
            var range = new DepthRange(parsed.GetValue(min), parsed.GetValue(max));
            if (range is { Min: { } lo, Max: { } hi } && lo > hi) throw new UsageException($"--depth-min {lo} is above --depth-max {hi}");
            // The route's parameters, so the CLI refuses exactly what the route refuses, naming the option.
            var query = new QueryCollection(new Dictionary<string, StringValues>
            {
                ["diameter"] = parsed.GetValue(diameter) ?? StringValues.Empty, ["diameter_unit"] = parsed.GetValue(diameterUnit) ?? StringValues.Empty,
                ["depth_unit"] = parsed.GetValue(depthUnit) ?? StringValues.Empty, ["sensitivity"] = parsed.GetValue(sensitivity) ?? StringValues.Empty,
            }.Where(p => p.Value.Count > 0).ToDictionary());
            var store = cli.Get<FrameStore>();
            var id = parsed.GetValue(dataset)!;
            var info = store.FindDataset(id) ?? throw RenderVerbs.NotFound(store, id);
            var (hole, unit, _, refusal) = DipsApi.HoleFor(store, info, range, query);
            if (refusal is not null) throw new UsageException(Refusal(refusal));
            var level = new Query.QueryReader(query).Double("sensitivity") ?? 0;
            if (level is < DipsApi.MinSensitivity or > DipsApi.MaxSensitivity) throw new UsageException($"--sensitivity {level}: give {DipsApi.MinSensitivity} to {DipsApi.MaxSensitivity}");
            using var frames = store.StreamFrames(info.Id, range) ?? throw RenderVerbs.NotFound(store, id);
            var found = new DipScan(hole!, level).Scan(frames, DatasetValues.Of(frames.Dataset)?.AbsentGrey, Environment.ProcessorCount, ct).ToList();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var bytes = extension == ".csv"
                ? System.Text.Encoding.UTF8.GetBytes(DipsApi.Csv(found))
                : DipsApi.Answer(new DipsApi.Detection(frames.Dataset, unit ?? "", hole!, level, frames.Total, found)).Body;
            await File.WriteAllBytesAsync(path, bytes, ct);
            cli.Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {path}: {found.Count:N0} planes in {frames.Total:N0} rows of dataset '{frames.Dataset.Id}' (diameter from {hole!.DiameterSource})"));
            return CommandLine.Ok;
        });
        return command;
    }

    /// <summary>A route's 400 as a usage line: the parameter as its option (diameter_unit → --diameter-unit) and the detail.</summary>
    private static string Refusal(ApiResponse refusal)
    {
        using var json = System.Text.Json.JsonDocument.Parse(refusal.Body);
        var detail = json.RootElement.GetProperty("detail").GetString() ?? "";
        var parameter = json.RootElement.TryGetProperty("parameter", out var p) ? p.GetString() : null;
        return parameter is null ? detail : $"--{parameter.Replace('_', '-')}: {detail.Replace($"'{parameter}'", $"--{parameter.Replace('_', '-')}")}";
    }
}
