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
        var pixels = new byte[shown.Count * shown.Width];
        var at = 0;
        foreach (var page in GreyEqualization.Dynamic([context], shown.Dataset, first, shown.Count, halfWindow, DatasetValues.Of(shown.Dataset)?.AbsentGrey))
        {
            page.Pixels.CopyTo(pixels.AsSpan(at));
            at += page.Pixels.Length;
        }
        return new FrameWindow(shown.Dataset, shown.Total, shown.Depths.ToArray(), pixels, shown.Count);
    }

    /// <summary>Whether a dynamic picture of <paramref name="dataset"/> with this window can stream while holding at most
    /// <paramref name="maxWindowBytes"/> of the rows around the one it draws (one depth window of them, estimated from
    /// the version's mean row spacing). A wider window is drawn whole instead, under the render gate.</summary>
    public static bool Streams(DatasetInfo dataset, double halfWindow, long maxWindowBytes)
    {
        var spacing = dataset.RowCount > 1 ? (dataset.DepthMax - dataset.DepthMin) / (dataset.RowCount - 1) : 0;
        var rows = spacing > 0 ? 2 * halfWindow / spacing + 1 : dataset.RowCount;
        return rows * dataset.Width <= maxWindowBytes;
    }

    /// <summary>Dynamic over a streamed window, as its rows are read: the rows within <paramref name="halfWindow"/>
    /// above and below come from the same snapshot (the window's own rows when those would be more than
    /// <paramref name="maxContextRows"/>), and only one depth window of rows is held at a time.</summary>
    public static IEnumerable<FrameWindow> Dynamic(FrameStream frames, double halfWindow, int maxContextRows)
    {
        var (top, bottom) = frames.DepthBounds();
        var (before, after) = frames.RowsAround(new DepthRange(top - halfWindow, bottom + halfWindow));
        if ((long)before + frames.Total + after > maxContextRows) (before, after) = (0, 0);
        return GreyEqualization.Dynamic(frames.PagesAround(before, after), frames.Dataset, before, frames.Total, halfWindow, DatasetValues.Of(frames.Dataset)?.AbsentGrey);
    }
}
