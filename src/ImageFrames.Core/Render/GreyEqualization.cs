namespace ImageFrames.Render;

/// <summary>How greys are re-spread before the colour map (<c>normalize=</c> on pictures).</summary>
public enum PictureNormalization { None, Static, Dynamic }

/// <summary>
/// Histogram equalisation of stored greys, as image-log software shows a log: static — one mapping from the
/// whole dataset's greys; dynamic — each row's own mapping from the rows within half a depth window above and
/// below it, so fabric and fractures show at every depth whatever the drift. Each grey goes to the middle of its
/// rank among the counted pixels; a dataset's absent grey (DLIS/LAS) stays absent and is not counted.
/// </summary>
public static class GreyEqualization
{
    /// <summary>The mapping for grey counts: present greys onto 0..255 (1..255 when grey 0 is kept for absent).</summary>
    public static void Map(ReadOnlySpan<long> counts, byte? absentGrey, Span<byte> map)
    {
        long total = 0;
        for (var g = 0; g < 256; g++) if (g != absentGrey) total += counts[g];
        var (low, span) = absentGrey is null ? (0, 255) : (1, 254);
        long before = 0;
        for (var g = 0; g < 256; g++)
        {
            if (g == absentGrey) { map[g] = (byte)g; continue; }
            map[g] = total == 0 ? (byte)g : (byte)(low + (int)Math.Round((before + counts[g] / 2.0) / total * span));
            before += counts[g];
        }
    }

    /// <summary>
    /// Dynamic equalisation of rows <c>[first, first + count)</c> of <paramref name="pixels"/> (rows of
    /// <paramref name="width"/>, ascending <paramref name="depths"/>): each row mapped by the greys of every row whose
    /// depth is within <paramref name="halfWindow"/> of its own, counted as a window sliding down the rows.
    /// </summary>
    public static byte[] Dynamic(ReadOnlySpan<double> depths, ReadOnlySpan<byte> pixels, int width, int first, int count, double halfWindow, byte? absentGrey)
    {
        var output = new byte[count * width];
        var counts = new long[256];
        Span<byte> map = stackalloc byte[256];
        var (low, high) = (0, 0); // rows [low, high) are counted
        for (var r = first; r < first + count; r++)
        {
            while (high < depths.Length && depths[high] <= depths[r] + halfWindow)
            {
                foreach (var g in pixels.Slice(high * width, width)) counts[g]++;
                high++;
            }
            while (depths[low] < depths[r] - halfWindow)
            {
                foreach (var g in pixels.Slice(low * width, width)) counts[g]--;
                low++;
            }
            Map(counts, absentGrey, map);
            var row = pixels.Slice(r * width, width);
            var target = output.AsSpan((r - first) * width, width);
            for (var x = 0; x < width; x++) target[x] = map[row[x]];
        }
        return output;
    }
}
