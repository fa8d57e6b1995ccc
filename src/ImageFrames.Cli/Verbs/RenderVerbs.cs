using System.CommandLine;
using ImageFrames.Configuration;
using ImageFrames.Render;
using ImageFrames.Store;

namespace ImageFrames.Cli.Verbs;

/// <summary><c>frames render</c> and <c>frames gallery</c>: a depth window as a picture or frames JSON, and
/// the same window under several colour maps side by side.</summary>
public static class RenderVerbs
{
    private sealed record WindowOptions(Argument<string> Dataset, Option<double?> Min, Option<double?> Max, Option<Rescale?> Rescale, Option<string> Out);

    private static WindowOptions Window(string outDescription) => new(
        CliOptions.DatasetArgument(),
        CliOptions.Depth("--depth-min", "shallowest depth of the window, inclusive (default: the dataset's first)"),
        CliOptions.Depth("--depth-max", "deepest depth of the window, inclusive (default: the dataset's last)"),
        CliOptions.RescaleRange(),
        new Option<string>("--out", "-o") { Description = outDescription, HelpName = "FILE", Required = true });

    public static Command Render(CliContext cli)
    {
        var w = Window("FILE.png for a picture, FILE.json for frames JSON");
        var colormap = CliOptions.ColorMapOption("--colormap", "colour map name (see GET /api/colormaps), NAME_r reversed, or VALUE:RRGGBB,… stops (default: grayscale)");
        var command = new Command("render", "Write an inclusive depth window as a PNG or as frames JSON.") { w.Dataset, w.Min, w.Max, colormap, w.Rescale, w.Out };
        command.SetAction(parsed =>
        {
            var output = parsed.GetValue(w.Out)!;
            var chosen = parsed.GetValue(colormap);
            var map = chosen ?? ColorMaps.Named["grayscale"];
            var rescale = parsed.GetValue(w.Rescale);
            var json = output.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
            var (window, range) = ReadWindow(cli, parsed, w, json);
            Write(output, json
                ? FramesJson.Write(window, new FramesJson.Page(range, window.Count, 0, chosen?.Name, chosen?.Table(rescale)))
                : FrameRenderer.Render(window, map.Table(rescale), ImageFormat.Png));
            cli.Console.Out.WriteLine($"wrote {output}: {window.Count:N0} frames of dataset '{window.Dataset.Id}' ({window.Width} px wide)");
            return CommandLine.Ok;
        });
        return command;
    }

    public static Command Gallery(CliContext cli)
    {
        var w = Window("FILE.png");
        var maps = new Option<ColorMap[]>("--colormaps")
        {
            Description = "comma-separated colour maps, drawn left to right",
            HelpName = "A,B,…",
            Required = true,
            CustomParser = result =>
            {
                var resolved = new List<ColorMap>();
                foreach (var name in result.Tokens.Single().Value.Split(','))
                {
                    if (ColorMaps.TryResolve(name, out var map, out var error)) resolved.Add(map);
                    else result.AddError($"--colormaps: {error}");
                }
                return [.. resolved];
            },
        };
        var command = new Command("gallery", "Write the same depth window under several colour maps, side by side, as one PNG.") { w.Dataset, w.Min, w.Max, maps, w.Rescale, w.Out };
        command.SetAction(parsed =>
        {
            var chosen = parsed.GetValue(maps)!;
            var rescale = parsed.GetValue(w.Rescale);
            var (window, _) = ReadWindow(cli, parsed, w, json: false);
            var output = parsed.GetValue(w.Out)!;
            Write(output, FrameRenderer.Gallery(window, chosen.Select(m => m.Table(rescale)).ToArray()));
            cli.Console.Out.WriteLine($"wrote {output}: {window.Count:N0} frames under {string.Join(", ", chosen.Select(m => m.Name))}");
            return CommandLine.Ok;
        });
        return command;
    }

    private static (FrameWindow Window, DepthRange Range) ReadWindow(CliContext cli, ParseResult parsed, WindowOptions w, bool json)
    {
        var store = cli.Get<FrameStore>();
        var options = cli.Get<FramesOptions>();
        var dataset = parsed.GetValue(w.Dataset)!;
        var range = new DepthRange(parsed.GetValue(w.Min), parsed.GetValue(w.Max));
        if (range is { Min: { } lo, Max: { } hi } && lo > hi) throw new UsageException($"--depth-min {lo} is above --depth-max {hi}");
        var maxRows = (int)Math.Min(int.MaxValue, options.MaxImagePixels / Math.Max(1, options.TargetWidth));
        var window = store.ReadFrames(dataset, range, int.MaxValue, 0, json ? int.MaxValue : maxRows)
                     ?? throw new DatasetNotFoundException($"no dataset '{dataset}'; have: {string.Join(", ", store.ListDatasets().Select(d => d.Id))}");
        if (window.Total > window.Count)
            throw new UsageException($"{window.Total:N0} rows exceed the picture budget of {maxRows:N0} rows (FRAMES_MAX_IMAGE_PIXELS); narrow the depth window");
        return (window, range);
    }

    private static void Write(string output, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllBytes(output, bytes);
    }
}
