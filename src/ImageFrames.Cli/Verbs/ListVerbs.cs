using System.CommandLine;
using System.Text.Json;
using ImageFrames.Store;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames datasets</c> and <c>frames log</c>: what is stored and every ingest attempt.</summary>
public static class ListVerbs
{
    public static Command Datasets(CliContext cli)
    {
        var json = CliOptions.Json();
        var command = new Command("datasets", "List the datasets with their rows, depth range and widths.") { json };
        command.SetAction(parsed =>
        {
            var datasets = cli.Get<FrameStore>().ListDatasets();
            if (parsed.GetValue(json))
            {
                cli.Console.Out.WriteLine(JsonSerializer.Serialize(datasets, CliJson.Options));
                return CommandLine.Ok;
            }
            if (datasets.Count == 0) cli.Console.Out.WriteLine("no datasets");
            foreach (var d in datasets)
            {
                cli.Console.Out.WriteLine($"{d.Id,-24} {d.RowCount,10:N0} rows  depth {CliJson.Depth(d.DepthMin)}..{CliJson.Depth(d.DepthMax)}  " +
                                          $"{d.SourceWidth}→{d.Width} px ({d.Resampler})  {d.IngestedAt:u}");
                if (Provenance(d) is { } line) cli.Console.Out.WriteLine("    " + line);
            }
            return CommandLine.Ok;
        });
        return command;
    }

    public static Command Log(CliContext cli)
    {
        var dataset = new Option<string?>("--dataset") { Description = "only this dataset's attempts", HelpName = "ID" };
        var json = CliOptions.Json();
        var command = new Command("log", "Show the ingestion log: every attempt, succeeded, unchanged, rejected or failed.") { dataset, json };
        command.SetAction(parsed =>
        {
            var log = cli.Get<FrameStore>().IngestionLog(parsed.GetValue(dataset));
            if (parsed.GetValue(json)) cli.Console.Out.WriteLine(JsonSerializer.Serialize(log, CliJson.Options));
            else foreach (var e in log)
                cli.Console.Out.WriteLine($"{e.Id,6} {e.StartedAt:u} {e.Status,-9} {e.DatasetId,-20} {e.Rows,9} rows  {e.Source}{(e.Error is null ? "" : "  — " + e.Error)}");
            return CommandLine.Ok;
        });
        return command;
    }

    /// <summary>Where a dataset with physical values came from, on one line: logical file, frame, channel, its
    /// long name, dimension, code, units, the depth unit and the origin (null for CSV datasets).</summary>
    private static string? Provenance(Store.DatasetInfo dataset)
    {
        if (dataset.Metadata is null) return null;
        using var json = JsonDocument.Parse(dataset.Metadata);
        var source = json.RootElement.GetProperty("source");
        string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var origin = source.TryGetProperty("origin", out var o) && o.ValueKind == JsonValueKind.Object
            ? $"; well {Text(o, "well_name") ?? "?"}, field {Text(o, "field_name") ?? "?"}, company {Text(o, "company") ?? "?"}" : "";
        var longName = Text(source, "long_name") is { Length: > 0 } name ? $" '{name}'" : "";
        var format = Text(source, "format");
        var where = format == "DLIS" ? $" logical file {source.GetProperty("logical_file").GetInt32()}, frame {Text(source, "frame")}," : "";
        var code = Text(source, "representation_code") is { } c ? $" {c}" : "";
        return $"{format}{where} channel {Text(source, "channel")}{longName} {Text(source, "dimension")}{code} {Text(source, "units")}, depth {Text(source, "depth_unit")}{origin}";
    }
}
