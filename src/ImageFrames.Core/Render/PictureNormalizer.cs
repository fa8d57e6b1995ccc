using System.Collections.Concurrent;
using ImageFrames.Query;
using ImageFrames.Store;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Render;

/// <summary>
/// <c>normalize=static</c> and <c>normalize=dynamic</c> over a store's rows (<see cref="GreyEqualization"/>), for the
/// picture route and <c>frames render</c> alike, so both draw the same pixels.
/// </summary>
public sealed class PictureNormalizer(FrameStore store)
{
    /// <summary>The widest dynamic window accepted, in the dataset's depth unit.</summary>
    public const double MaxWindow = 10_000;

    private static readonly ConcurrentDictionary<(string Id, long Version), byte[]> StaticMaps = new();

    /// <summary>Half the dynamic window: the given one, or what image-log software uses — 0.6 m, or 2 ft for
    /// datasets in feet.</summary>
    public static double HalfWindow(DatasetInfo dataset, double? window) =>
        (window ?? (DatasetValues.Of(dataset)?.DepthUnit == "ft" ? 2 : 0.6)) / 2;

    /// <summary>Static: <paramref name="table"/> behind the dataset version's own equalisation (its greys counted once,
    /// over every row, then remembered).</summary>
    public Rgb24[] Static(DatasetInfo dataset, Rgb24[] table)
    {
        var map = StaticMaps.GetOrAdd((dataset.Id, dataset.Version), _ =>
        {
            var greys = new WindowStatistics();
            using (var frames = store.StreamFrames(dataset.Id, DepthRange.All))
                if (frames is not null)
                    foreach (var page in frames.Pages()) greys.Add(page.Pixels);
            var equalized = new byte[256];
            GreyEqualization.Map(greys.GreyCounts, DatasetValues.Of(dataset)?.AbsentGrey, equalized);
            if (StaticMaps.Count > 256) StaticMaps.Clear(); // versions come and go; a bound, not an eviction policy
            return equalized;
        });
        var composed = new Rgb24[256];
        for (var g = 0; g < 256; g++) composed[g] = table[map[g]];
        return composed;
    }

    /// <summary>Dynamic: each row of <paramref name="shown"/> (rows of overview <paramref name="level"/>) equalised over
    /// the rows of its level within <paramref name="halfWindow"/> of its depth — rows of the dataset, not of the
    /// picture, so neighbouring tiles join without seams. Reads up to <paramref name="maxContextRows"/> rows around it;
    /// with more (or once the version is purged) the picture's own rows are the context.</summary>
    public FrameWindow Dynamic(FrameWindow shown, int level, double halfWindow, int maxContextRows)
    {
        if (shown.Count == 0) return shown;
        var context = store.ReadLevel(shown.Dataset, level, new DepthRange(shown.Depths[0] - halfWindow, shown.Depths[^1] + halfWindow), maxContextRows);
        var first = context.Depths.IndexOf(shown.Depths[0]);
        if (first < 0 || first + shown.Count > context.Count) (context, first) = (shown, 0);
        var pixels = GreyEqualization.Dynamic(context.Depths, context.Pixels, shown.Width, first, shown.Count, halfWindow, DatasetValues.Of(shown.Dataset)?.AbsentGrey);
        return new FrameWindow(shown.Dataset, shown.Total, shown.Depths.ToArray(), pixels, shown.Count);
    }
}
