using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using ImageFrames.Parse;
using ImageFrames.Store;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Render;

/// <summary>
/// What the greys of a dataset with physical values (DLIS) stand for, from its metadata: the value of each grey
/// (null for the absent grey), the value and depth units. CSV datasets have none. Parsed once per dataset version.
/// </summary>
public sealed class DatasetValues
{
    private static readonly ConcurrentDictionary<(string Id, long Version), DatasetValues?> Parsed = new();

    private DatasetValues(byte? absentGrey, double?[] valueOfGrey, string units, string depthUnit, IReadOnlyList<CurveSource> curves)
    {
        (AbsentGrey, ValueOfGrey, Units, DepthUnit, Curves) = (absentGrey, valueOfGrey, units, depthUnit, curves);
        ValueText = valueOfGrey.Select(v => System.Text.Encoding.ASCII.GetBytes(v is { } d ? d.ToString("R", CultureInfo.InvariantCulture) : "null")).ToArray();
    }

    public byte? AbsentGrey { get; }
    public double?[] ValueOfGrey { get; }
    public string Units { get; }
    public string DepthUnit { get; }

    /// <summary>The 1-D curves stored with the dataset, in their stored order.</summary>
    public IReadOnlyList<CurveSource> Curves { get; }

    /// <summary>Each grey's value as JSON text ("null" for absent), for writing rows without formatting numbers.</summary>
    internal byte[][] ValueText { get; }

    public static DatasetValues? Of(DatasetInfo dataset)
    {
        if (dataset.Metadata is null) return null;
        if (Parsed.Count > 1024) Parsed.Clear(); // versions come and go; a bound, not an eviction policy
        return Parsed.GetOrAdd((dataset.Id, dataset.Version), _ => Parse(dataset.Metadata));
    }

    private static DatasetValues? Parse(string metadata)
    {
        using var json = JsonDocument.Parse(metadata);
        var root = json.RootElement;
        if (!root.TryGetProperty("normalization", out var normalization)) return null;
        var values = normalization.GetProperty("value_of_grey").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : (double?)null).ToArray();
        byte? absent = normalization.GetProperty("absent_grey").ValueKind == JsonValueKind.Number ? normalization.GetProperty("absent_grey").GetByte() : null;
        var curves = root.TryGetProperty("curves", out var list)
            ? list.EnumerateArray().Select(c => new CurveSource(c.GetProperty("name").GetString()!, Text(c, "long_name"), Text(c, "units") ?? "", Text(c, "representation_code"))).ToList()
            : [];
        return new DatasetValues(absent, values, root.GetProperty("value_units").GetString() ?? "", root.GetProperty("depth_unit").GetString() ?? "", curves);

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>The colour table with the absent grey drawn in <paramref name="noData"/>, whatever the colour map
    /// and rescale made of it.</summary>
    public Rgb24[] WithNoData(Rgb24[] table, Rgb24 noData)
    {
        if (AbsentGrey is not { } absent) return table;
        var copy = (Rgb24[])table.Clone();
        copy[absent] = noData;
        return copy;
    }
}
