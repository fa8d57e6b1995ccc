using System.Text.Json.Serialization;

namespace ImageFrames.Normalize;

/// <summary>How a channel's physical values became the stored greys.</summary>
public enum NormalizationKind { Equalize, Linear, Identity }

/// <summary>
/// A static normalisation (one mapping for the whole channel, what image-log software calls a static image):
/// physical values → greys 1..255, with grey 0 kept for absent samples; and back, the value each grey stands for,
/// so answers can report a pixel's value in its unit.
/// <list type="bullet">
/// <item><see cref="NormalizationKind.Equalize"/> (default): histogram equalisation — each grey gets an equal
/// share of the channel's samples, the rank of a value's bin setting its grey.</item>
/// <item><see cref="NormalizationKind.Linear"/>: min..max of the channel spread over 1..255.</item>
/// <item><see cref="NormalizationKind.Identity"/>: an integer channel whose values already are 0..255 keeps
/// them as greys (it can have no absent samples, so grey 0 is data).</item>
/// </list>
/// </summary>
public sealed class StaticNormalization
{
    private readonly byte[]? _greyOfBin; // equalisation: grey per fine bin
    private readonly double _min, _scale, _binsPerUnit;

    private StaticNormalization(NormalizationKind kind, byte[]? greyOfBin, double min, double max, double?[] valueOfGrey)
    {
        Kind = kind;
        _greyOfBin = greyOfBin;
        _min = min;
        _scale = max > min ? 254 / (max - min) : 0;
        _binsPerUnit = max > min ? FineBins / (max - min) : 0;
        ValueOfGrey = valueOfGrey;
    }

    public NormalizationKind Kind { get; }

    /// <summary>The value each grey stands for (index = grey); null for the absent grey.</summary>
    public double?[] ValueOfGrey { get; }

    /// <summary>The grey absent samples get, or null when the channel has none to give (identity).</summary>
    [JsonIgnore]
    public byte? AbsentGrey => Kind == NormalizationKind.Identity ? null : (byte)0;

    public static StaticNormalization Identity()
    {
        var values = new double?[256];
        for (var g = 0; g < 256; g++) values[g] = g;
        return new StaticNormalization(NormalizationKind.Identity, null, 0, 255, values);
    }

    public static StaticNormalization Linear(ValueHistogram histogram)
    {
        var (min, max) = histogram.Present > 0 ? (histogram.Min, histogram.Max) : (0.0, 0.0);
        var values = new double?[256];
        for (var g = 1; g < 256; g++) values[g] = max > min ? min + (g - 1) * (max - min) / 254 : min;
        return new StaticNormalization(NormalizationKind.Linear, null, min, max, values);
    }

    /// <summary>Bins of the fine histogram equalisation works on, spread linearly over the values between the
    /// coarse histogram's 0.01th and 99.99th percentiles (values outside count in the end bins), so a channel whose
    /// values sit in a narrow range still gets every grey, and one spike cannot squeeze the rest into a few bins.</summary>
    public const int FineBins = 1 << 16;

    /// <summary>The range the fine histogram covers, from the coarse one.</summary>
    public static (double Low, double High) FineRange(ValueHistogram coarse)
    {
        if (coarse.Present == 0) return (0, 0);
        var counts = coarse.Counts;
        long lowRank = coarse.Present / 10_000, highRank = coarse.Present - 1 - coarse.Present / 10_000, seen = 0;
        double low = coarse.Min, high = coarse.Max;
        for (var key = 0; key < ValueHistogram.Bins; key++)
        {
            if (counts[key] == 0) continue;
            if (seen <= lowRank && lowRank < seen + counts[key]) low = Math.Max(coarse.Min, ValueHistogram.LowerEdge(key));
            if (seen <= highRank && highRank < seen + counts[key]) high = Math.Min(coarse.Max, key + 1 < ValueHistogram.Bins ? ValueHistogram.LowerEdge(key + 1) : coarse.Max);
            seen += counts[key];
        }
        return high > low ? (low, high) : (coarse.Min, coarse.Max);
    }

    /// <summary>The fine bin of a value.</summary>
    public static int FineBin(float value, double low, double binsPerUnit) =>
        Math.Clamp((int)((value - low) * binsPerUnit), 0, FineBins - 1);

    /// <summary>Histogram equalisation from the fine histogram (<paramref name="fine"/>: counts per
    /// <see cref="FineBin"/> over <paramref name="low"/>..<paramref name="high"/>).</summary>
    public static StaticNormalization Equalize(ReadOnlySpan<long> fine, double low, double high, ValueHistogram coarse)
    {
        var greyOfBin = new byte[FineBins];
        long total = 0;
        foreach (var count in fine) total += count;
        var divisor = (double)Math.Max(1, total);
        long before = 0;
        var firstBin = new int[256];
        var lastBin = new int[256];
        Array.Fill(firstBin, -1);
        for (var bin = 0; bin < FineBins; bin++)
        {
            var count = fine[bin];
            // A bin's grey is its samples' middle rank, spread over 1..255.
            var grey = (byte)Math.Clamp(1 + (int)((before + count / 2.0) / divisor * 255), 1, 255);
            greyOfBin[bin] = grey;
            if (count > 0)
            {
                if (firstBin[grey] < 0) firstBin[grey] = bin;
                lastBin[grey] = bin;
            }
            before += count;
        }
        var width = (high - low) / FineBins;
        var values = new double?[256];
        for (var g = 1; g < 256; g++)
            if (firstBin[g] >= 0)
                values[g] = Math.Clamp(low + ((firstBin[g] + lastBin[g] + 1) / 2.0) * width, coarse.Min, coarse.Max);
        return new StaticNormalization(NormalizationKind.Equalize, greyOfBin, low, high, values);
    }

    /// <summary>Greys for one row of values (NaN = absent).</summary>
    public void Apply(ReadOnlySpan<float> values, Span<byte> greys)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            greys[i] = float.IsNaN(v) ? (byte)0 : Kind switch
            {
                NormalizationKind.Equalize => _greyOfBin![FineBin(v, _min, _binsPerUnit)],
                NormalizationKind.Linear => (byte)Math.Clamp(1 + (int)Math.Round((v - _min) * _scale), 1, 255),
                _ => (byte)Math.Clamp((int)Math.Round(v), 0, 255),
            };
        }
    }
}
