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

    public ValueRowResizer(int sourceWidth, int targetWidth)
    {
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
