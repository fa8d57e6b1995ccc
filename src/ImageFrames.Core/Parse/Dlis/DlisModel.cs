namespace ImageFrames.Parse.Dlis;

/// <summary>Where a logical file's data came from (its first ORIGIN object).</summary>
public sealed record DlisOrigin(string? WellName, string? FieldName, string? Company);

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
    public DlisOrigin? Origin { get; internal set; }
    internal Dictionary<ObjectName, DlisChannel> Channels { get; } = [];
    internal Dictionary<ObjectName, FrameLayout> Layouts { get; } = [];
    public IEnumerable<DlisFrame> Frames => Layouts.Values.Select(l => l.Frame);
    public long EncryptedRecords { get; internal set; }
}

/// <summary>The depth units image logs come in, and their conversion.</summary>
public static class DepthUnits
{
    public static bool IsLength(string units) => Normalize(units) is "m" or "ft" or "0.1 in" or "in" or "cm" or "mm";

    /// <summary>RP66 unit symbols as writers spell them ("M", "F", "FT", "0.1 in"…), folded to one form.</summary>
    public static string Normalize(string units) => units.Trim().ToLowerInvariant() switch
    {
        "m" or "meter" or "meters" or "metre" or "metres" => "m",
        "ft" or "f" or "feet" or "foot" => "ft",
        "0.1 in" or ".1 in" or "0.1in" or ".1in" => "0.1 in",
        "in" or "inch" or "inches" => "in",
        "cm" => "cm",
        "mm" => "mm",
        var other => other,
    };
}
