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
/// <item><see cref="NormalizationKind.Linear"/>: min..max of the channel (or a percentile clip) spread over 1..255.</item>
/// <item><see cref="NormalizationKind.Identity"/>: an integer channel whose values already are 0..255 keeps
/// them as greys (it can have no absent samples, so grey 0 is data).</item>
/// </list>
/// </summary>
public sealed class StaticNormalization
{
    private readonly byte[]? _greyOfKey; // equalisation: grey per histogram bin
    private readonly double _min, _scale;

    private StaticNormalization(NormalizationKind kind, byte[]? greyOfKey, double min, double max, double?[] valueOfGrey)
    {
        Kind = kind;
        _greyOfKey = greyOfKey;
        _min = min;
        _scale = max > min ? 254 / (max - min) : 0;
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

    /// <summary>min..max spread over greys 1..255; with <paramref name="clipPercent"/>, those percentiles instead,
    /// values beyond them clipped to greys 1 and 255.</summary>
    public static StaticNormalization Linear(ValueHistogram histogram, (double Low, double High)? clipPercent = null)
    {
        var (min, max) = histogram.Present == 0 ? (0.0, 0.0)
            : clipPercent is { } clip ? (histogram.Percentile(clip.Low), histogram.Percentile(clip.High))
            : (histogram.Min, histogram.Max);
        var values = new double?[256];
        for (var g = 1; g < 256; g++) values[g] = max > min ? min + (g - 1) * (max - min) / 254 : min;
        return new StaticNormalization(NormalizationKind.Linear, null, min, max, values) { ClipPercent = clipPercent is { } c ? [c.Low, c.High] : null };
    }

    /// <summary>The percentiles a linear normalisation spread (null: min..max, or not linear).</summary>
    public double[]? ClipPercent { get; private init; }

    /// <summary>Histogram equalisation: a bin's grey is the middle rank of its samples spread over 1..255; the
    /// value a grey stands for is the middle of the bins that got it.</summary>
    public static StaticNormalization Equalize(ValueHistogram histogram)
    {
        var greyOfKey = new byte[ValueHistogram.Bins];
        var counts = histogram.Counts;
        var total = (double)Math.Max(1, histogram.Present);
        long before = 0;
        var firstKey = new int[256];
        var lastKey = new int[256];
        Array.Fill(firstKey, -1);
        for (var key = 0; key < ValueHistogram.Bins; key++)
        {
            var count = counts[key];
            var grey = (byte)Math.Clamp(1 + (int)((before + count / 2.0) / total * 255), 1, 255);
            greyOfKey[key] = grey;
            if (count > 0)
            {
                if (firstKey[grey] < 0) firstKey[grey] = key;
                lastKey[grey] = key;
            }
            before += count;
        }
        var values = new double?[256];
        for (var g = 1; g < 256; g++)
            if (firstKey[g] >= 0)
                values[g] = Math.Clamp(ValueHistogram.LowerEdge((firstKey[g] + lastKey[g] + 1) / 2), histogram.Min, histogram.Max);
        return new StaticNormalization(NormalizationKind.Equalize, greyOfKey, histogram.Min, histogram.Max, values);
    }

    /// <summary>Greys for one row of values (NaN = absent).</summary>
    public void Apply(ReadOnlySpan<float> values, Span<byte> greys)
    {
        greys = greys[..values.Length];
        if (Kind == NormalizationKind.Equalize)
        {
            // The common kind gets a loop of its own: it runs once per sample of the file.
            var greyOfKey = _greyOfKey!;
            for (var i = 0; i < values.Length; i++)
            {
                var v = values[i];
                greys[i] = float.IsNaN(v) ? (byte)0 : greyOfKey[ValueHistogram.Key(v)];
            }
            return;
        }
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            greys[i] = float.IsNaN(v) ? (byte)0 : Kind == NormalizationKind.Linear
                ? (byte)Math.Clamp(1 + (int)Math.Round((v - _min) * _scale), 1, 255)
                : (byte)Math.Clamp((int)Math.Round(v), 0, 255);
        }
    }
}
