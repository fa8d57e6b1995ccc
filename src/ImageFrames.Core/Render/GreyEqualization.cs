using ImageFrames.Store;

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

    /// <summary>Rows per page of <see cref="Dynamic"/>'s output: small enough to stay off the large-object heap.</summary>
    public const int PageRows = 256;

    /// <summary>
    /// Dynamic equalisation as rows flow: <paramref name="context"/> yields a version's rows in ascending depth, of which
    /// rows <c>[first, first + count)</c> are the picture's and the others are only counted; each picture row is mapped by
    /// the greys of every context row whose depth is within <paramref name="halfWindow"/> of its own, counted as a
    /// window sliding down the rows. Only the rows of that window are held, so a picture of any height streams in the
    /// memory of one window; the picture's rows come back in pages of up to <see cref="PageRows"/>.
    /// </summary>
    public static IEnumerable<FrameWindow> Dynamic(IEnumerable<FrameWindow> context, DatasetInfo dataset, long first, int count, double halfWindow, byte? absentGrey)
    {
        var width = dataset.Width;
        using var rows = new RowWindow(context.GetEnumerator(), width);
        var (counts, map) = (new long[256], new byte[256]);
        var (low, high) = (0L, 0L); // context rows [low, high) are counted
        // Each page is sized to the rows it will hold: full pages, then what is left.
        var (depths, pixels) = (new double[Math.Min(PageRows, count)], new byte[Math.Min(PageRows, count) * width]);
        for (var done = 0; done < count; done++)
        {
            var r = first + done;
            if (!rows.Reach(r)) throw new InvalidOperationException($"the context ended before row {r} of the picture");
            var depth = rows.Depth(r);
            for (; rows.Reach(high) && rows.Depth(high) <= depth + halfWindow; high++) Count(rows.Row(high), counts, +1);
            for (; rows.Depth(low) < depth - halfWindow; low++) Count(rows.Row(low), counts, -1);
            rows.Forget(low);
            Map(counts, absentGrey, map);
            var at = done % PageRows;
            Apply(map, rows.Row(r), pixels.AsSpan(at * width, width));
            depths[at] = depth;
            if (at + 1 < depths.Length) continue;
            yield return new FrameWindow(dataset, count, depths, pixels, depths.Length);
            var left = Math.Min(PageRows, count - done - 1);
            (depths, pixels) = (new double[left], new byte[left * width]);
        }
    }

    private static void Apply(byte[] map, ReadOnlySpan<byte> source, Span<byte> target)
    {
        for (var x = 0; x < source.Length; x++) target[x] = map[source[x]];
    }

    private static void Count(ReadOnlySpan<byte> row, long[] counts, int step)
    {
        foreach (var g in row) counts[g] += step;
    }

    /// <summary>The context rows from the lowest still counted to the last read, copied out of their pages into a ring
    /// that grows to the widest window met; rows are read only when first asked for.</summary>
    private sealed class RowWindow(IEnumerator<FrameWindow> pages, int width) : IDisposable
    {
        private double[] _depths = new double[64];
        private byte[] _pixels = new byte[64 * width];
        private int _head, _held; // ring slot of the first row held; rows held
        private long _first;      // context index of the first row held
        private FrameWindow? _page;
        private int _inPage;

        /// <summary>Reads rows until <paramref name="row"/> is held; false when the context ends before it.</summary>
        public bool Reach(long row)
        {
            while (_first + _held <= row)
            {
                while (_page is null || _inPage == _page.Count)
                {
                    if (!pages.MoveNext()) return false;
                    (_page, _inPage) = (pages.Current, 0);
                }
                if (_held == _depths.Length) Grow();
                var slot = (_head + _held) % _depths.Length;
                _depths[slot] = _page.Depths[_inPage];
                _page.Row(_inPage++).CopyTo(_pixels.AsSpan(slot * width, width));
                _held++;
            }
            return true;
        }

        public double Depth(long row) => _depths[Slot(row)];

        public ReadOnlySpan<byte> Row(long row) => _pixels.AsSpan(Slot(row) * width, width);

        /// <summary>Lets go of the rows before <paramref name="row"/>.</summary>
        public void Forget(long row)
        {
            var drop = (int)(row - _first);
            (_head, _held, _first) = ((_head + drop) % _depths.Length, _held - drop, row);
        }

        private int Slot(long row) => (int)((_head + (row - _first)) % _depths.Length);

        private void Grow()
        {
            var (depths, pixels) = (new double[_depths.Length * 2], new byte[_pixels.Length * 2]);
            for (var i = 0; i < _held; i++)
            {
                var slot = (_head + i) % _depths.Length;
                depths[i] = _depths[slot];
                _pixels.AsSpan(slot * width, width).CopyTo(pixels.AsSpan(i * width));
            }
            (_depths, _pixels, _head) = (depths, pixels, 0);
        }

        public void Dispose() => pages.Dispose();
    }
}
