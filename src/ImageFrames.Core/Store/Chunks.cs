using System.Runtime.InteropServices;

namespace ImageFrames.Store;

/// <summary>
/// Storage layout v2: a version's rows, sorted by depth, are stored in chunks of <see cref="Rows"/> consecutive
/// rows (their depths, source lines and pixels as three blobs), so an ingest writes a thousand records instead
/// of a million and a query finds its window with two index seeks and two binary searches. Level 0 holds the
/// rows as ingested; each overview level <c>k</c> holds level <c>k − 1</c> decimated ×4 in depth by exact
/// area average, built while ingesting, until a level fits in <see cref="OverviewUntilRows"/> rows.
/// </summary>
public static class Chunks
{
    /// <summary>Rows per chunk: 150 KB of pixels at 150 px, a few overflow pages per record.</summary>
    public const int Rows = 1024;

    /// <summary>Rows of one level averaged into one row of the next.</summary>
    public const int Factor = 4;

    /// <summary>A level with at most this many rows gets no coarser level above it.</summary>
    public const int OverviewUntilRows = 4096;

    /// <summary>
    /// The pseudo-level that holds a version's 1-D curves (DLIS/LAS datasets): chunks like level 0's, whose
    /// "pixels" are each row's curve values (float64, row-major, NaN where absent). Stored as chunks, they are
    /// located, read and purged by the same statements as the rows; overview levels count from 0 up and never see it.
    /// </summary>
    public const int CurveLevel = -1;

    public static byte[] DepthBytes(ReadOnlySpan<double> depths) => MemoryMarshal.AsBytes(depths).ToArray();
    public static byte[] LineBytes(ReadOnlySpan<int> lines) => MemoryMarshal.AsBytes(lines).ToArray();
    public static ReadOnlySpan<double> Depths(byte[] blob) => MemoryMarshal.Cast<byte, double>(blob);
    public static ReadOnlySpan<int> Lines(byte[] blob) => MemoryMarshal.Cast<byte, int>(blob);
}

/// <summary>One chunk as written: rows <c>FirstRow ..</c> of one level, one per depth.</summary>
public sealed record Chunk(int Level, int FirstRow, double[] Depths, int[]? Lines, byte[] Pixels);

/// <summary>
/// Turns rows arriving in ascending depth order into chunks for every level, emitted through
/// <paramref name="emit"/> as each fills. A full chunk is emitted only when a further row arrives, so at
/// <see cref="Finish"/> a level is kept exactly when the level below it had more than
/// <see cref="Chunks.OverviewUntilRows"/> rows. Memory: one chunk per level.
/// </summary>
public sealed class LevelBuilder(int width, Action<Chunk> emit)
{
    private const int MaxLevels = 16; // 4^16 rows: beyond any dataset the row limit allows

    private readonly List<Level> _levels = [];

    /// <summary>Rows given to level 0 so far.</summary>
    public int BaseRows => _levels.Count == 0 ? 0 : _levels[0].Rows;

    public void Add(double depth, int line, ReadOnlySpan<byte> pixels) => Push(0, depth, line, pixels);

    /// <summary>Emits every level's last chunk and returns each kept level's row count, finest first.</summary>
    public IReadOnlyList<int> Finish()
    {
        var kept = new List<int>();
        for (var level = 0; level < _levels.Count; level++)
        {
            if (level > 0 && _levels[level - 1].Rows <= Chunks.OverviewUntilRows) break;
            var l = _levels[level];
            l.FlushGroup(this, level);
            if (l.Count > 0) Emit(level, l);
            kept.Add(l.Rows);
        }
        return kept;
    }

    /// <summary>The level-0 rows not yet emitted (the staging switch moves them).</summary>
    public IEnumerable<(double Depth, int Line, byte[] Pixels)> PendingBaseRows()
    {
        if (_levels.Count == 0) yield break;
        var l = _levels[0];
        for (var i = 0; i < l.Count; i++) yield return (l.Depths[i], l.Lines![i], l.Pixels.AsSpan(i * width, width).ToArray());
    }

    private void Push(int level, double depth, int line, ReadOnlySpan<byte> pixels)
    {
        if (level == _levels.Count)
        {
            if (level == MaxLevels) return;
            _levels.Add(new Level(width, level == 0));
        }
        var l = _levels[level];
        if (l.Count == Chunks.Rows) Emit(level, l); // full, and a further row is here
        l.Append(depth, line, pixels);
        l.Rows++;
        l.AddToGroup(this, level, depth, pixels);
    }

    /// <summary>A full chunk hands over the level's own arrays, which take fresh ones (from <see cref="Recycle"/>
    /// when there are any); only a level's last, partial chunk is copied out.</summary>
    private void Emit(int level, Level l)
    {
        if (l.Count < Chunks.Rows)
            emit(new Chunk(level, l.Rows - l.Count, l.Depths[..l.Count], l.Lines?[..l.Count], l.Pixels[..(l.Count * width)]));
        else
        {
            emit(new Chunk(level, l.Rows - l.Count, l.Depths, l.Lines, l.Pixels));
            l.Depths = _spareDepths.TryPop(out var depths) ? depths : new double[Chunks.Rows];
            if (l.Lines is not null) l.Lines = _spareLines.TryPop(out var lines) ? lines : new int[Chunks.Rows];
            l.Pixels = _sparePixels.TryPop(out var pixels) ? pixels : new byte[Chunks.Rows * width];
        }
        l.Count = 0;
    }

    /// <summary>
    /// Takes back a chunk's arrays once the store has written it, for the next full chunks. Without this, each
    /// chunk's 150 KB of pixels was a new large-object allocation — 200 MB of fresh, zeroed, page-faulted
    /// memory for a 1M-row ingest, and the gen-2 collections that come with it.
    /// </summary>
    public void Recycle(Chunk chunk)
    {
        if (chunk.Depths.Length != Chunks.Rows) return;
        _spareDepths.Push(chunk.Depths);
        if (chunk.Lines is not null) _spareLines.Push(chunk.Lines);
        _sparePixels.Push(chunk.Pixels);
    }

    private readonly Stack<double[]> _spareDepths = new();
    private readonly Stack<int[]> _spareLines = new();
    private readonly Stack<byte[]> _sparePixels = new();

    private sealed class Level(int width, bool keepLines)
    {
        public double[] Depths = new double[Chunks.Rows];
        public int[]? Lines = keepLines ? new int[Chunks.Rows] : null;
        public byte[] Pixels = new byte[Chunks.Rows * width];
        public int Count, Rows;

        // The group of up to Factor rows being averaged into one row of the next level.
        private readonly int[] _sums = new int[width];
        private double _depthSum;
        private int _grouped;

        public void Append(double depth, int line, ReadOnlySpan<byte> pixels)
        {
            Depths[Count] = depth;
            if (Lines is not null) Lines[Count] = line;
            pixels.CopyTo(Pixels.AsSpan(Count * width));
            Count++;
        }

        public void AddToGroup(LevelBuilder builder, int level, double depth, ReadOnlySpan<byte> pixels)
        {
            for (var x = 0; x < pixels.Length; x++) _sums[x] += pixels[x];
            _depthSum += depth;
            if (++_grouped == Chunks.Factor) FlushGroup(builder, level);
        }

        /// <summary>The group's exact area average (rounded half up) at its mean depth, into the next level.</summary>
        public void FlushGroup(LevelBuilder builder, int level)
        {
            if (_grouped == 0) return;
            Span<byte> averaged = stackalloc byte[width];
            if (_grouped == Chunks.Factor) // all but a level's last group: a constant divisor, which compiles to a shift
                for (var x = 0; x < width; x++) averaged[x] = (byte)((_sums[x] + Chunks.Factor / 2) / Chunks.Factor);
            else
                for (var x = 0; x < width; x++) averaged[x] = (byte)((_sums[x] + _grouped / 2) / _grouped);
            var depth = _depthSum / _grouped;
            Array.Clear(_sums);
            (_depthSum, _grouped) = (0, 0);
            builder.Push(level + 1, depth, 0, averaged);
        }
    }
}
