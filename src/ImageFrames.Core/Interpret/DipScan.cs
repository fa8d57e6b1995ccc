using ImageFrames.Store;

namespace ImageFrames.Interpret;

/// <summary>A plane the detector found: where it crosses the axis, its true attitude (the hole's deviation
/// removed), its apparent one (in the hole's frame), its trace's amplitude (depth unit), how meaningful it is
/// (<see cref="Score"/> = −log10 of its number of false alarms: above 0 is better than noise gives once), and
/// what the trace looked like.</summary>
public sealed record DetectedDip(double Depth, double Dip, double Azimuth, double ApparentDip, double ApparentAzimuth, double Amplitude, double Score, TraceShape Shape);

/// <summary>
/// Runs <see cref="TraceDetector"/> down a window of a dataset in blocks of <see cref="CoreRows"/> rows, each with
/// the rows around it that a steep trace crossing the axis inside it reaches (up to <see cref="MaxMarginRows"/>),
/// so memory is one block whatever the window. Rows are turned to north first when the hole log says where the
/// first column faced; each trace's amplitude becomes an apparent dip with the diameter at its depth, and the
/// hole's deviation there turns that into the true dip.
/// </summary>
public sealed class DipScan(HoleLog hole, double log10Epsilon = 0)
{
    public const int CoreRows = 512;

    /// <summary>Which picker this is: raised whenever the planes it finds in the same pixels change (2: the edge
    /// response and two passes of 2026-12-03; 3: the fit of traces under two rows high tries the depths beside; 4: traces parallel to the accepted ones; 5: the search judges an echo beside an alike trace on the gradient too), so
    /// answers cached or revalidated by ETag are an earlier picker's no more.</summary>
    public const int Revision = 5;

    /// <summary>The most rows a trace may reach above or below its centre: bounds a block's rows (so its memory) and
    /// the search's amplitudes. At 0.1-ft rows that is any dip in an 8½-in hole; at 0.1-in rows, up to about 80°.</summary>
    public const int MaxMarginRows = 256;

    /// <summary>The steepest apparent dip searched for: steeper planes run along the hole, not across it.</summary>
    public const double MaxApparentDip = 87;

    /// <summary>How far (depth unit) a trace crossing the axis at a depth can reach: half the widest diameter times tan of the steepest dip.</summary>
    public double ReachDepth => (hole.MaxDiameter ?? 0) / 2 * Math.Tan(Plane.Radians(MaxApparentDip));

    /// <summary>The planes crossing the axis in the window of <paramref name="frames"/>, by depth: blocks are read in
    /// turn and, with <paramref name="parallelism"/> above 1, searched on the thread pool while the next ones are read
    /// (each holds its own copy of its rows), their planes given in block order.</summary>
    public IEnumerable<DetectedDip> Scan(FrameStream frames, byte? absent, int parallelism = 1, CancellationToken ct = default)
    {
        if (frames.Total == 0) yield break;
        var (first, last) = frames.DepthBounds();
        var (before, after) = frames.RowsAround(new DepthRange(first - ReachDepth, last + ReachDepth));
        (before, after) = (Math.Min(before, MaxMarginRows), Math.Min(after, MaxMarginRows));
        var width = frames.Dataset.Width;
        var total = before + frames.Total + after;
        var buffer = new RowBuffer(CoreRows + 2 * MaxMarginRows, width);
        using var pages = frames.PagesAround(before, after).GetEnumerator();
        int? reach = null;
        // Searched blocks in reading order. Twice as many as threads: when one block takes longer (a dense zone), the
        // threads go on with the next ones instead of waiting for it, and rows are read while they search.
        var pending = new Queue<(Block Block, Task<List<Trace>> Found)>();
        for (var coreStart = before; coreStart < before + frames.Total; coreStart += CoreRows)
        {
            ct.ThrowIfCancellationRequested();
            var coreEnd = Math.Min(coreStart + CoreRows, before + frames.Total);
            buffer.DropBefore(Math.Max(0, coreStart - MaxMarginRows));
            while (buffer.End < Math.Min(total, coreEnd + MaxMarginRows) && buffer.Fill(pages, Orient)) { }
            // The reach in rows, from the row step where the window starts (steps are regular within a log).
            var rows = reach ??= Math.Min(MaxMarginRows, (int)Math.Ceiling(ReachDepth / buffer.Step()) + 2);
            var block = buffer.Snapshot(coreStart - buffer.Start, coreEnd - buffer.Start, rows + TraceDetector.ContextRows);
            List<Trace> Search() => TraceDetector.Detect(block.Pixels, block.Depths.Length, width, absent, block.CoreStart, block.CoreEnd, rows, log10Epsilon);
            pending.Enqueue((block, parallelism > 1 ? Task.Run(Search, ct) : Task.FromResult(Search())));
            while (pending.Count > 0 && (pending.Count >= 2 * parallelism || pending.Peek().Found.IsCompleted))
                foreach (var dip in Dips(pending.Dequeue(), width, frames.Dataset.SourceWidth)) yield return dip;
        }
        while (pending.Count > 0)
            foreach (var dip in Dips(pending.Dequeue(), width, frames.Dataset.SourceWidth)) yield return dip;
    }

    /// <summary>A searched block's planes, once its search is done.</summary>
    private IEnumerable<DetectedDip> Dips((Block Block, Task<List<Trace>> Found) searched, int width, int sourceWidth)
    {
        foreach (var trace in searched.Found.GetAwaiter().GetResult())
            if (Dip(searched.Block, trace, width, sourceWidth) is { } dip) yield return dip;
    }

    /// <summary>The column a row's first column moves to, so that column 0 faces north.</summary>
    private int Orient(double depth, int width) => hole.Oriented ? (int)Math.Round(Plane.Normalize(hole.Orientation(depth)) * width / 360) % width : 0;

    /// <summary>
    /// The azimuth of a stored column c beyond 360·c/W, in degrees: a file's column j of J lies at 360·j/J, and
    /// resizing by area puts stored column c at the centre of source columns (c + ½)·J/W − ½, half a source column
    /// less half a stored one; and a row turned to north by whole columns leaves what the pad azimuth had beyond them.
    /// </summary>
    private double ColumnOffset(double depth, int width, int sourceWidth)
    {
        var resized = sourceWidth > 0 ? 180.0 / width - 180.0 / sourceWidth : 0;
        var turned = hole.Oriented ? Plane.Normalize(hole.Orientation(depth)) - Orient(depth, width) * 360.0 / width : 0;
        return resized + (turned > 180 ? turned - 360 : turned);
    }

    private DetectedDip? Dip(Block buffer, Trace trace, int width, int sourceWidth)
    {
        var depth = buffer.DepthAt(trace.Row);
        // Rows to depth units with the local step (rows are evenly spaced in a log, but not necessarily exactly).
        var reach = Math.Max(1, trace.Amplitude);
        var amplitude = trace.Amplitude * (buffer.DepthAt(trace.Row + reach) - buffer.DepthAt(trace.Row - reach)) / (2 * reach);
        if ((hole.Diameter(depth) ?? hole.MaxDiameter) is not { } diameter) return null;
        var apparent = new Sinusoid(depth, amplitude, Plane.Normalize(trace.Phase + ColumnOffset(depth, width, sourceWidth))).Apparent(diameter);
        var truePlane = hole.Direction(depth).ToTrue(apparent);
        return new DetectedDip(depth, truePlane.Dip, truePlane.Azimuth, apparent.Dip, apparent.Azimuth, amplitude, -trace.Log10Nfa, trace.Shape);
    }

    /// <summary>Consecutive rows of a window (their global row numbers <see cref="Start"/>..<see cref="End"/>), filled
    /// page by page, turned to north as they come in.</summary>
    private sealed class RowBuffer(int capacity, int width)
    {
        private readonly byte[] _pixels = new byte[capacity * width];
        private readonly double[] _depths = new double[capacity];
        private FrameWindow? _page;
        private int _pageAt;

        public int Start { get; private set; }
        public int Count { get; private set; }
        public int End => Start + Count;
        public void DropBefore(int row)
        {
            var drop = Math.Clamp(row - Start, 0, Count);
            if (drop == 0) return;
            _pixels.AsSpan(drop * width, (Count - drop) * width).CopyTo(_pixels);
            _depths.AsSpan(drop, Count - drop).CopyTo(_depths);
            (Start, Count) = (Start + drop, Count - drop);
        }

        /// <summary>Adds one row; false when the pages are done.</summary>
        public bool Fill(IEnumerator<FrameWindow> pages, Func<double, int, int> shiftOf)
        {
            while (_page is null || _pageAt == _page.Count)
            {
                if (!pages.MoveNext()) return false;
                (_page, _pageAt) = (pages.Current, 0);
            }
            var depth = _page.Depths[_pageAt];
            var row = _page.Row(_pageAt++);
            var target = _pixels.AsSpan(Count * width, width);
            var shift = shiftOf(depth, width);
            row[..(width - shift)].CopyTo(target[shift..]);
            row[(width - shift)..].CopyTo(target);
            _depths[Count++] = depth;
            return true;
        }

        /// <summary>The median step between the buffered rows' depths.</summary>
        public double Step()
        {
            if (Count < 2) return 1;
            var steps = new double[Count - 1];
            for (var i = 1; i < Count; i++) steps[i - 1] = _depths[i] - _depths[i - 1];
            Array.Sort(steps);
            return Math.Max(steps[steps.Length / 2], 1e-9);
        }

        /// <summary>A copy of the buffered rows to search rows [<paramref name="coreStart"/>, <paramref name="coreEnd"/>) of,
        /// with up to <paramref name="margin"/> rows either side (what the traces there reach, and the rows the detector
        /// reads around them).</summary>
        public Block Snapshot(int coreStart, int coreEnd, int margin)
        {
            var (from, to) = (Math.Max(0, coreStart - margin), Math.Min(Count, coreEnd + margin));
            return new(_pixels.AsSpan(from * width, (to - from) * width).ToArray(), _depths.AsSpan(from, to - from).ToArray(), coreStart - from, coreEnd - from);
        }
    }

    /// <summary>Rows to search: their greys and depths, and which of them traces must cross the axis in.</summary>
    private sealed record Block(byte[] Pixels, double[] Depths, int CoreStart, int CoreEnd)
    {
        /// <summary>The depth at a fractional row, interpolated (extrapolated past the ends).</summary>
        public double DepthAt(double row)
        {
            if (Depths.Length == 1) return Depths[0];
            var i = Math.Clamp((int)Math.Floor(row), 0, Depths.Length - 2);
            return Depths[i] + (row - i) * (Depths[i + 1] - Depths[i]);
        }
    }
}
