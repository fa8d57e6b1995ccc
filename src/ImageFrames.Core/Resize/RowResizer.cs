using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImageFrames.Resize;

/// <summary>
/// Resamples one row of grey bytes from a source width to a target width with precomputed integer
/// weights, so the per-row work is a short multiply-add loop with no allocation and exact rounding
/// (half up). A plan is built once per (source width, target width, resampler) and shared.
/// </summary>
public sealed class RowResizer
{
    private static readonly ConcurrentDictionary<(int, int, Resampler), RowResizer> Plans = new();

    private readonly int[] _starts;
    private readonly int[] _weights; // target × _stride, row-major
    private readonly int _stride;
    private readonly long _denominator;
    private readonly ulong _halfUpReciprocal; // 2^64 / (2 · denominator), rounded up: see Resize

    public int SourceWidth { get; }
    public int TargetWidth { get; }
    public Resampler Resampler { get; }

    public static RowResizer For(int sourceWidth, int targetWidth, Resampler resampler) =>
        Plans.GetOrAdd((sourceWidth, targetWidth, resampler), k => new RowResizer(k.Item1, k.Item2, k.Item3));

    private RowResizer(int sourceWidth, int targetWidth, Resampler resampler)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetWidth, 1);
        SourceWidth = sourceWidth;
        TargetWidth = targetWidth;
        Resampler = resampler;
        var taps = resampler == Resampler.Area ? AreaTaps(sourceWidth, targetWidth, out _denominator)
                                               : KernelTaps(sourceWidth, targetWidth, resampler, out _denominator);
        _stride = taps.Max(t => t.Weights.Length);
        // Every output reads exactly _stride pixels (a fixed-length loop, and none at all for two taps): a tap
        // shorter than that near the right edge is moved left, its weights padded with zeros in front.
        _starts = new int[targetWidth];
        _weights = new int[targetWidth * _stride];
        for (var i = 0; i < targetWidth; i++)
        {
            _starts[i] = Math.Min(taps[i].Start, sourceWidth - _stride);
            taps[i].Weights.CopyTo(_weights.AsSpan(i * _stride + taps[i].Start - _starts[i]));
        }
        // Every sum is at most 255 × the largest sum of positive weights, so 2·sum + denominator fits 32 bits, and
        // for 32-bit numerators the high half of numerator × ⌈2^64 / divisor⌉ is exactly the quotient (Lemire,
        // Kaser and Kurz, "Faster remainder by direct computation", 2019): a multiply instead of a division.
        var largestPositive = taps.Max(t => t.Weights.Where(w => w > 0).Sum(w => (long)w));
        if (2 * 255 * largestPositive + _denominator > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(sourceWidth), $"{sourceWidth} → {targetWidth} pixels needs weights too large for 32-bit sums");
        _halfUpReciprocal = ulong.MaxValue / (ulong)(2 * _denominator) + 1;
    }

    public void Resize(ReadOnlySpan<byte> source, Span<byte> target)
    {
        if (source.Length != SourceWidth) throw new ArgumentException($"expected {SourceWidth} source pixels, got {source.Length}", nameof(source));
        if (target.Length != TargetWidth) throw new ArgumentException($"expected {TargetWidth} target pixels, got {target.Length}", nameof(target));
        // Unchecked reads: every tap lies inside the source (constructor), and target.Length is checked above.
        ref var pixels = ref MemoryMarshal.GetReference(source);
        ref var weight = ref MemoryMarshal.GetArrayDataReference(_weights);
        ref var start = ref MemoryMarshal.GetArrayDataReference(_starts);
        var (stride, half, reciprocal) = (_stride, (int)_denominator, _halfUpReciprocal);
        for (var i = 0; i < target.Length; i++, weight = ref Unsafe.Add(ref weight, stride))
        {
            ref var pixel = ref Unsafe.Add(ref pixels, Unsafe.Add(ref start, i));
            int sum;
            if (stride == 2) sum = weight * pixel + Unsafe.Add(ref weight, 1) * Unsafe.Add(ref pixel, 1); // area 200 → 150, the usual case
            else
            {
                sum = 0;
                for (var k = 0; k < stride; k++) sum += Unsafe.Add(ref weight, k) * Unsafe.Add(ref pixel, k);
            }
            // Round half up: floor(sum / d + 1/2) = floor((2·sum + d) / 2d), for sum ≥ 0.
            target[i] = sum <= 0 ? (byte)0 : (byte)Math.Min(255ul, Math.BigMul(reciprocal, (ulong)(uint)(2 * sum + half), out _));
        }
    }

    /// <summary>
    /// The same plan across rows instead of along one: <paramref name="rows"/> (<see cref="SourceWidth"/> rows of
    /// <paramref name="width"/> greys) become <see cref="TargetWidth"/> rows, each target row the weighted sum
    /// of its source rows. Pictures are resampled in depth this way, on the greys, before colour mapping.
    /// </summary>
    public byte[] ResizeRows(ReadOnlySpan<byte> rows, int width)
    {
        if (rows.Length != SourceWidth * width) throw new ArgumentException($"expected {SourceWidth} rows of {width}", nameof(rows));
        var target = new byte[TargetWidth * width];
        var acc = new long[width];
        var twoDenominator = 2 * _denominator;
        for (var i = 0; i < TargetWidth; i++)
        {
            Array.Clear(acc);
            var w = _weights.AsSpan(i * _stride, _stride);
            for (var k = 0; k < w.Length; k++)
            {
                if (w[k] == 0) continue; // padding of a tap moved left at the edge (constructor)
                var row = rows.Slice((_starts[i] + k) * width, width);
                for (var x = 0; x < width; x++) acc[x] += (long)w[k] * row[x];
            }
            var output = target.AsSpan(i * width, width);
            for (var x = 0; x < width; x++) output[x] = acc[x] <= 0 ? (byte)0 : (byte)Math.Min(255, (2 * acc[x] + _denominator) / twoDenominator);
        }
        return target;
    }

    private readonly record struct Tap(int Start, int[] Weights);

    /// <summary>Exact overlap weights: with g = gcd(N, M), output i spans [i·N/g, (i+1)·N/g) and input j spans
    /// [j·M/g, (j+1)·M/g) on a common integer grid, so every weight is a whole number and they sum to N/g.</summary>
    private static Tap[] AreaTaps(int n, int m, out long denominator)
    {
        var g = (int)System.Numerics.BigInteger.GreatestCommonDivisor(n, m);
        long outSpan = n / g, inSpan = m / g;
        denominator = outSpan;
        var taps = new Tap[m];
        for (var i = 0; i < m; i++)
        {
            long lo = i * outSpan, hi = lo + outSpan;
            var first = (int)(lo / inSpan);
            var last = (int)((hi - 1) / inSpan);
            var w = new int[last - first + 1];
            for (var j = first; j <= last; j++)
                w[j - first] = (int)(Math.Min(hi, (j + 1) * inSpan) - Math.Max(lo, j * inSpan));
            taps[i] = new Tap(first, w);
        }
        return taps;
    }

    private const int KernelScale = 1 << 14;

    private static Tap[] KernelTaps(int n, int m, Resampler resampler, out long denominator)
    {
        denominator = KernelScale;
        var ratio = (double)n / m;
        var taps = new Tap[m];
        if (resampler == Resampler.Nearest)
        {
            for (var i = 0; i < m; i++) taps[i] = new Tap(Math.Min(n - 1, (int)((i + 0.5) * ratio)), [KernelScale]);
            return taps;
        }
        var (radius, kernel) = Kernel(resampler);
        var scale = Math.Max(1.0, ratio); // widen the kernel when downscaling: that is what antialiases
        var support = radius * scale;
        for (var i = 0; i < m; i++)
        {
            var centre = (i + 0.5) * ratio - 0.5;
            var left = (int)Math.Floor(centre - support);
            var right = (int)Math.Ceiling(centre + support);
            // Samples past an edge repeat the edge pixel, so fold their weight onto it.
            var first = Math.Clamp(left, 0, n - 1);
            var last = Math.Clamp(right, 0, n - 1);
            var raw = new double[last - first + 1];
            for (var j = left; j <= right; j++) raw[Math.Clamp(j, 0, n - 1) - first] += kernel((j - centre) / scale);
            var sum = raw.Sum();
            var w = raw.Select(x => (int)Math.Round(x / sum * KernelScale)).ToArray();
            // Make the fixed-point weights sum exactly to the scale so flat rows stay flat.
            w[Array.IndexOf(w, w.Max())] += KernelScale - w.Sum();
            taps[i] = new Tap(first, w);
        }
        return taps;
    }

    private static (double Radius, Func<double, double> Kernel) Kernel(Resampler resampler) => resampler switch
    {
        Resampler.Bilinear => (1, x => Math.Max(0, 1 - Math.Abs(x))),
        Resampler.Bicubic => (2, CatmullRom),
        Resampler.Lanczos3 => (3, x => Math.Abs(x) < 3 ? Sinc(x) * Sinc(x / 3) : 0),
        _ => throw new ArgumentOutOfRangeException(nameof(resampler), resampler, "not a kernel resampler"),
    };

    private static double CatmullRom(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1
             : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
             : 0;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);
}
