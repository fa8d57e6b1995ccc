namespace ImageFrames.Resize;

/// <summary>
/// Area resampling of a row of physical values (a DLIS or LAS image channel) from N to W samples with absent
/// samples left out: each target sample is the overlap-weighted mean of the present source samples it covers,
/// and absent (NaN) only when none is present. The taps are worked out once per (N, W).
/// </summary>
public sealed class ValueRowResizer
{
    /// <summary>The conventional absent value of DLIS and LAS files (stored as an ordinary number).</summary>
    public const double AbsentValue = -999.25;

    // Flattened taps: target j sums source[_index[t]] × _weight[t] for t in [_start[j], _start[j + 1]).
    private readonly int[] _start, _index;
    private readonly double[] _weight;

    // For rows with nothing absent: target j spans source positions [j × step, (j + 1) × step); boundary b lies in
    // source sample _boundaryIndex[b] at fraction _boundaryFraction[b] of it.
    private readonly int _sourceWidth;
    private readonly double _step;
    private readonly int[] _boundaryIndex;
    private readonly double[] _boundaryFraction;
    private readonly double[] _cumulative;

    public ValueRowResizer(int sourceWidth, int targetWidth)
    {
        (_sourceWidth, _step) = (sourceWidth, (double)sourceWidth / targetWidth);
        (_boundaryIndex, _boundaryFraction, _cumulative) = (new int[targetWidth + 1], new double[targetWidth + 1], new double[sourceWidth + 1]);
        for (var b = 0; b <= targetWidth; b++)
        {
            var at = Math.Min(b * _step, sourceWidth);
            var index = Math.Min((int)Math.Floor(at), sourceWidth - 1);
            (_boundaryIndex[b], _boundaryFraction[b]) = (index, at - index);
        }
        var (starts, indices, weights) = (new int[targetWidth + 1], new List<int>(), new List<double>());
        var step = (double)sourceWidth / targetWidth;
        for (var j = 0; j < targetWidth; j++)
        {
            starts[j] = indices.Count;
            double start = j * step, end = (j + 1) * step;
            for (var i = (int)Math.Floor(start); i < Math.Min(sourceWidth, (int)Math.Ceiling(end)); i++)
            {
                var overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                if (overlap <= 0) continue;
                indices.Add(i);
                weights.Add(overlap);
            }
        }
        starts[targetWidth] = indices.Count;
        (_start, _index, _weight) = (starts, [.. indices], [.. weights]);
    }

    /// <summary>−999.25, NaN and ±∞ stand for a sample that was not measured.</summary>
    public static bool IsAbsent(double value) => value == AbsentValue || !double.IsFinite(value);

    public void Resize(ReadOnlySpan<double> source, Span<float> target)
    {
        if (HasAbsent(source)) ResizeLeavingOut(source, target);
        else if (_sourceWidth == target.Length) for (var i = 0; i < target.Length; i++) target[i] = (float)source[i];
        else ResizeWhole(source, target);
    }

    /// <summary>Any absent sample in the row: a vector compare per few samples (a row has none, as a rule).</summary>
    private static bool HasAbsent(ReadOnlySpan<double> row)
    {
        var i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var absent = new System.Numerics.Vector<double>(AbsentValue);
            for (; i <= row.Length - System.Numerics.Vector<double>.Count; i += System.Numerics.Vector<double>.Count)
            {
                var v = new System.Numerics.Vector<double>(row[i..]);
                // v − v is 0 for a finite v, NaN for NaN and ±∞.
                if (System.Numerics.Vector.EqualsAny(v, absent) || !System.Numerics.Vector.EqualsAll(v - v, System.Numerics.Vector<double>.Zero)) return true;
            }
        }
        for (; i < row.Length; i++) if (IsAbsent(row[i])) return true;
        return false;
    }

    /// <summary>
    /// The same area means from the row's running sum: a target sample is the integral of the (piecewise constant)
    /// row between its two boundaries over its width, and each boundary's integral is read off the running sum —
    /// one addition per source sample and one multiply-add per boundary, instead of a loop over every overlap.
    /// </summary>
    private void ResizeWhole(ReadOnlySpan<double> source, Span<float> target)
    {
        var cumulative = _cumulative;
        double sum = 0;
        for (var i = 0; i < source.Length; i++)
        {
            cumulative[i] = sum;
            sum += source[i];
        }
        cumulative[source.Length] = sum;
        var scale = 1 / _step;
        var before = cumulative[_boundaryIndex[0]] + _boundaryFraction[0] * source[_boundaryIndex[0]];
        for (var j = 0; j < target.Length; j++)
        {
            var index = _boundaryIndex[j + 1];
            var after = cumulative[index] + _boundaryFraction[j + 1] * source[index];
            target[j] = (float)((after - before) * scale);
            before = after;
        }
    }

    private void ResizeLeavingOut(ReadOnlySpan<double> source, Span<float> target)
    {
        for (var j = 0; j < target.Length; j++)
        {
            double sum = 0, weight = 0;
            for (var t = _start[j]; t < _start[j + 1]; t++)
            {
                var v = source[_index[t]];
                if (IsAbsent(v)) continue; // rare: predicted well
                sum += v * _weight[t];
                weight += _weight[t];
            }
            target[j] = weight > 0 ? (float)(sum / weight) : float.NaN;
        }
    }
}
