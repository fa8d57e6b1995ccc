using System.Globalization;
using System.Text.Json;

namespace ImageFrames.Query;

/// <summary>
/// Summary statistics of a depth window in the vocabulary of TiTiler's <c>/statistics</c>: count, absent, min,
/// max, mean, std (population), percentiles (numpy's default: linear between the order statistics around
/// p × (n − 1)) and a histogram (numpy's: equal bins over min..max, the last one closed). Computed exactly from
/// how many pixels of the window hold each grey — one pass over the stored rows, 256 counters whatever its size —
/// in greys, and in the physical values the greys stand for.
/// </summary>
public sealed class WindowStatistics
{
    private readonly long[] _greys = new long[256];

    public long Pixels { get; private set; }

    /// <summary>How many of the counted pixels hold each grey.</summary>
    public ReadOnlySpan<long> GreyCounts => _greys;

    /// <summary>Counts the greys of some rows of the window.</summary>
    public void Add(ReadOnlySpan<byte> pixels)
    {
        var counts = _greys;
        foreach (var grey in pixels) counts[grey]++;
        Pixels += pixels.Length;
    }

    /// <summary>The statistics of the values each grey stands for (<paramref name="valueOf"/>: null for an absent
    /// grey), as a JSON object; <paramref name="unit"/> is written when given.</summary>
    public void Write(Utf8JsonWriter json, Func<int, double?> valueOf, int bins, IReadOnlyList<double> percentiles, string? unit = null)
    {
        // The distinct values present, ascending, with how many pixels hold each.
        var present = new List<(double Value, long Count)>(256);
        long absent = 0;
        for (var g = 0; g < 256; g++)
        {
            if (_greys[g] == 0) continue;
            if (valueOf(g) is { } value) present.Add((value, _greys[g]));
            else absent += _greys[g];
        }
        present.Sort((a, b) => a.Value.CompareTo(b.Value));
        var count = present.Sum(p => p.Count);
        json.WriteStartObject();
        if (unit is not null) json.WriteString("unit", unit);
        json.WriteNumber("count", count);
        json.WriteNumber("absent", absent);
        json.WriteNumber("valid_percent", Pixels == 0 ? 0 : Math.Round(100.0 * count / Pixels, 4));
        if (count > 0)
        {
            var (min, max) = (present[0].Value, present[^1].Value);
            var mean = present.Sum(p => p.Value * p.Count) / count;
            var variance = present.Sum(p => (p.Value - mean) * (p.Value - mean) * p.Count) / count;
            json.WriteNumber("min", min);
            json.WriteNumber("max", max);
            json.WriteNumber("mean", mean);
            json.WriteNumber("std", Math.Sqrt(variance));
            foreach (var p in percentiles)
            {
                var position = p / 100 * (count - 1);
                var (low, high) = (OrderStatistic(present, (long)Math.Floor(position)), OrderStatistic(present, (long)Math.Ceiling(position)));
                json.WriteNumber($"percentile_{p.ToString(CultureInfo.InvariantCulture)}", low + (high - low) * (position - Math.Floor(position)));
            }
            var counts = new long[bins];
            foreach (var (value, n) in present) counts[max == min ? 0 : Math.Min(bins - 1, (int)((value - min) / (max - min) * bins))] += n;
            json.WriteStartArray("histogram");
            json.WriteStartArray();
            foreach (var n in counts) json.WriteNumberValue(n);
            json.WriteEndArray();
            json.WriteStartArray();
            for (var i = 0; i <= bins; i++) json.WriteNumberValue(min + (max - min) * i / bins);
            json.WriteEndArray();
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>The <paramref name="rank"/>-th smallest value (0-based) of the counted values.</summary>
    private static double OrderStatistic(List<(double Value, long Count)> present, long rank)
    {
        foreach (var (value, count) in present)
        {
            if (rank < count) return value;
            rank -= count;
        }
        return present[^1].Value;
    }
}
