namespace ImageFrames.Normalize;

/// <summary>
/// Counts of a channel's present values in 65,536 ordered bins: the upper 16 bits of each float32 turned into
/// an order-preserving key (sign flipped, negatives inverted), so bins are about 2^-7 of a value wide at any
/// scale — fine enough to equalise 255 grey levels, and the same 512 KB whatever the file's size.
/// </summary>
public sealed class ValueHistogram
{
    public const int Bins = 1 << 16;
    private readonly long[] _counts = new long[Bins];

    public long Present { get; private set; }
    public long Absent { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>Adds a row of values; NaN is absent.</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (float.IsNaN(value)) { Absent++; continue; }
            _counts[Key(value)]++;
            Present++;
            if (value < Min) Min = value;
            if (value > Max) Max = value;
        }
    }

    public static int Key(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var ordered = (bits & 0x80000000) != 0 ? ~bits : bits | 0x80000000;
        return (int)(ordered >> 16);
    }

    /// <summary>The smallest float of a bin (its key's value with the low 16 bits zero).</summary>
    public static float LowerEdge(int key)
    {
        var ordered = (uint)key << 16;
        var bits = (ordered & 0x80000000) != 0 ? ordered & 0x7FFFFFFF : ~ordered;
        return BitConverter.UInt32BitsToSingle(bits);
    }
}
