namespace ImageFrames.Parse.Dlis;

/// <summary>A CHANNEL object: one quantity sampled in every frame of the frames that list it.</summary>
public sealed record DlisChannel(ObjectName Name, string? LongName, string Units, RepresentationCode Code, int[] Dimension)
{
    /// <summary>Values per frame: the product of the dimension.</summary>
    public int Samples { get; } = Dimension.Aggregate(1, (a, b) => checked(a * b));

    /// <summary>An image channel: one array of two or more samples per frame (dimension [N], N ≥ 2).</summary>
    public bool IsImage => Dimension.Length == 1 && Dimension[0] >= 2;

    public string DimensionText => "[" + string.Join(", ", Dimension) + "]";
}

/// <summary>A FRAME object: the channels each of its frames holds, in order; the first is its index.</summary>
public sealed record DlisFrame(ObjectName Name, IReadOnlyList<DlisChannel> Channels, string? IndexType, string? Direction, double? Spacing)
{
    public DlisChannel? Index => Channels.Count > 0 ? Channels[0] : null;

    /// <summary>Indexed by depth: INDEX-TYPE BOREHOLE-DEPTH (or another depth), or without an index type
    /// whose first channel is in a length unit.</summary>
    public bool IsDepthIndexed => IndexType is { Length: > 0 } type
        ? type.Contains("DEPTH", StringComparison.OrdinalIgnoreCase)
        : Index is { } index && DepthUnits.IsLength(index.Units);
}

/// <summary>One logical file (RP66 v1 §2.1): from a FILE-HEADER to the next.</summary>
public sealed class DlisLogicalFile(int index)
{
    public int Index { get; } = index;
    public string? FileHeaderId { get; internal set; }
    public WellOrigin? Origin { get; internal set; }
    internal Dictionary<ObjectName, DlisChannel> Channels { get; } = [];
    internal Dictionary<ObjectName, FrameLayout> Layouts { get; } = [];
    public IEnumerable<DlisFrame> Frames => Layouts.Values.Select(l => l.Frame);
    public long EncryptedRecords { get; internal set; }
}

/// <summary>The depth units image logs come in, and the unit a dataset keeps them in.</summary>
public static class DepthUnits
{
    /// <summary>A length unit a depth index can be in.</summary>
    public static bool IsLength(string units) => ToDataset(units).Known;

    /// <summary>The dataset's depth unit for an index unit, and the factor to it: m and ft stay; 0.1 in and in
    /// become ft, cm and mm become m (said in the metadata). Other units are kept as they are.</summary>
    public static (string Unit, double Scale, string? Note, bool Known) ToDataset(string units) => Normalize(units) switch
    {
        "m" => ("m", 1, null, true),
        "ft" => ("ft", 1, null, true),
        "0.1 in" => ("ft", 1.0 / 120, "index in 0.1 in, converted to ft", true),
        "in" => ("ft", 1.0 / 12, "index in in, converted to ft", true),
        "cm" => ("m", 0.01, "index in cm, converted to m", true),
        "mm" => ("m", 0.001, "index in mm, converted to m", true),
        _ => (units, 1, units.Length == 0 ? "index without units" : $"index in '{units}', kept as is", false),
    };

    /// <summary>RP66 unit symbols as writers spell them ("M", "F", "FT", "0.1 in"…), folded to one form.</summary>
    private static string Normalize(string units) => units.Trim().ToLowerInvariant() switch
    {
        "m" or "meter" or "meters" or "metre" or "metres" => "m",
        "ft" or "f" or "feet" or "foot" => "ft",
        "0.1 in" or ".1 in" or "0.1in" or ".1in" => "0.1 in",
        "in" or "inch" or "inches" => "in",
        var other => other,
    };
}
