using System.Globalization;
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
        var normalize = new Option<PictureNormalization>("--normalize")
        {
            Description = "PNG: re-spread the greys first — static (equalised over the whole dataset) or dynamic (each depth over the rows within --window of it), as GET /api/frames/image does",
            DefaultValueFactory = _ => PictureNormalization.None,
        };
        var dynamicWindow = CliOptions.Depth("--window", $"the depth window of --normalize dynamic, in the dataset's depth unit (above 0, at most {PictureNormalizer.MaxWindow}; default 0.6 m or 2 ft)");
        var command = new Command("render", "Write an inclusive depth window as a PNG or as frames JSON.") { w.Dataset, w.Min, w.Max, colormap, w.Rescale, normalize, dynamicWindow, w.Out };
        command.SetAction(parsed =>
        {
            var output = parsed.GetValue(w.Out)!;
            var chosen = parsed.GetValue(colormap);
            var rescale = parsed.GetValue(w.Rescale);
            var (normalization, windowDepth) = (parsed.GetValue(normalize), parsed.GetValue(dynamicWindow));
            if (windowDepth is not null && normalization != PictureNormalization.Dynamic) throw new UsageException("--window is the depth window of --normalize dynamic; add --normalize dynamic or omit it");
            if (windowDepth is <= 0 or > PictureNormalizer.MaxWindow) throw new UsageException($"--window {windowDepth}: give a depth span above 0 and at most {PictureNormalizer.MaxWindow}");
            if (output.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                return normalization == PictureNormalization.None ? WriteJson(cli, parsed, w, output, chosen, rescale)
                    : throw new UsageException("--normalize draws pictures: give --out FILE.png");
            var (window, _) = ReadWindow(cli, parsed, w);
            var normalizer = new PictureNormalizer(cli.Get<FrameStore>());
            var table = cli.Get<FramesOptions>().TableFor(window.Dataset, (chosen ?? ColorMaps.Named["grayscale"]).Table(rescale));
            if (normalization == PictureNormalization.Static) table = normalizer.Static(window.Dataset, table);
            if (normalization == PictureNormalization.Dynamic)
                window = normalizer.Dynamic(window, 0, PictureNormalizer.HalfWindow(window.Dataset, windowDepth), (int)Math.Min(int.MaxValue, cli.Get<FramesOptions>().MaxImagePixels / window.Width * 4));
            Write(output, FrameRenderer.Render(window, table, ImageFormat.Png));
            cli.Console.Out.WriteLine($"wrote {output}: {window.Count:N0} frames of dataset '{window.Dataset.Id}' ({window.Width} px wide)");
            return CommandLine.Ok;
        });
        return command;
    }

    /// <summary>Frames JSON of any size, streamed to the file a page at a time from one snapshot.</summary>
    private static int WriteJson(CliContext cli, ParseResult parsed, WindowOptions w, string output, ColorMap? map, Rescale? rescale)
    {
        var (dataset, range) = (parsed.GetValue(w.Dataset)!, DepthRange(parsed, w));
        var store = cli.Get<FrameStore>();
        using var frames = store.StreamFrames(dataset, range) ?? throw NotFound(store, dataset);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        using (var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            FramesJson.Write(file, frames.Dataset, frames.Pages(), new FramesJson.Page(range, frames.Total, 0, map?.Name, map is null ? null : cli.Get<FramesOptions>().TableFor(frames.Dataset, map.Table(rescale))), frames.Total);
        cli.Console.Out.WriteLine($"wrote {output}: {frames.Total:N0} frames of dataset '{frames.Dataset.Id}' ({frames.Dataset.Width} px wide)");
        return CommandLine.Ok;
    }

    /// <summary>A depth window of any size to a file, streamed from one snapshot: a NumPy .npy (greys, or values with
    /// --values) or .npz (the same with the depths), or a CSV of greys that ingests back into the same rows.</summary>
    public static Command Export(CliContext cli)
    {
        var w = Window("FILE.npy or FILE.npz (NumPy: np.load), or FILE.csv (the ingest's CSV, greys)");
        var values = new Option<bool>("--values") { Description = "NumPy: float32 physical values (NaN where absent) instead of uint8 greys (DLIS, LAS datasets)" };
        var command = new Command("export", "Write an inclusive depth window as a NumPy array (.npy, .npz with depths) or as a CSV that ingests back.") { w.Dataset, w.Min, w.Max, values, w.Out };
        command.SetAction(async (parsed, ct) =>
        {
            var output = parsed.GetValue(w.Out)!;
            var extension = Path.GetExtension(output).ToLowerInvariant();
            if (extension is not (".npy" or ".npz" or ".csv")) throw new UsageException($"--out {output}: give a file ending .npy, .npz or .csv");
            var (dataset, range) = (parsed.GetValue(w.Dataset)!, DepthRange(parsed, w));
            var store = cli.Get<FrameStore>();
            using var frames = store.StreamFrames(dataset, range) ?? throw NotFound(store, dataset);
            var datasetValues = parsed.GetValue(values) ? DatasetValues.Of(frames.Dataset) ?? throw new UsageException($"--values: dataset '{dataset}' holds greys only (it came from a CSV)") : null;
            if (extension == ".csv" && datasetValues is not null) throw new UsageException("--values: a CSV export holds greys (what ingests back); use .npy or .npz for values");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            await using (var file = new FileStream(output, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                if (extension == ".csv") await FramesCsv.WriteAsync(file, frames, ct);
                else await NumpyArrays.WriteAsync(file, frames, datasetValues, extension == ".npz", ct);
            }
            cli.Console.Out.WriteLine($"wrote {output}: {frames.Total:N0} frames of dataset '{frames.Dataset.Id}' ({frames.Dataset.Width} px wide{(datasetValues is null ? ", greys" : $", values in {datasetValues.Units}")})");
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
            var (window, _) = ReadWindow(cli, parsed, w);
            var output = parsed.GetValue(w.Out)!;
            Write(output, FrameRenderer.Gallery(window, chosen.Select(m => cli.Get<FramesOptions>().TableFor(window.Dataset, m.Table(rescale))).ToArray()));
            cli.Console.Out.WriteLine($"wrote {output}: {window.Count:N0} frames under {string.Join(", ", chosen.Select(m => m.Name))}");
            return CommandLine.Ok;
        });
        return command;
    }

    private static DepthRange DepthRange(ParseResult parsed, WindowOptions w)
    {
        var range = new DepthRange(parsed.GetValue(w.Min), parsed.GetValue(w.Max));
        return range is { Min: { } lo, Max: { } hi } && lo > hi ? throw new UsageException($"--depth-min {lo} is above --depth-max {hi}") : range;
    }

    /// <summary>A window for a picture: within FRAMES_MAX_IMAGE_PIXELS, or a usage error saying how to narrow it.</summary>
    private static (FrameWindow Window, DepthRange Range) ReadWindow(CliContext cli, ParseResult parsed, WindowOptions w)
    {
        var store = cli.Get<FrameStore>();
        var options = cli.Get<FramesOptions>();
        var dataset = parsed.GetValue(w.Dataset)!;
        var range = DepthRange(parsed, w);
        var maxRows = (int)(options.MaxImagePixels / options.TargetWidth);
        var window = store.ReadFrames(dataset, range, maxRows, 0, maxRows) ?? throw NotFound(store, dataset);
        if (window.Total > window.Count)
            throw new UsageException($"{window.Total:N0} rows exceed the picture budget of {maxRows:N0} rows (FRAMES_MAX_IMAGE_PIXELS); narrow the depth window");
        if (window.Count == 0)
            throw new UsageException($"dataset '{dataset}' has no frames {range.Between} (--depth-min, --depth-max); " +
                                     $"it spans {window.Dataset.DepthMin.ToString("R", CultureInfo.InvariantCulture)}..{window.Dataset.DepthMax.ToString("R", CultureInfo.InvariantCulture)}");
        return (window, range);
    }

    internal static DatasetNotFoundException NotFound(FrameStore store, string dataset) =>
        new($"no dataset '{dataset}'; have: {string.Join(", ", store.ListDatasets().Select(d => d.Id))}");

    private static void Write(string output, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllBytes(output, bytes);
    }
}
