using System.Globalization;

namespace ImageFrames.Parse.Las;

/// <summary>One header line of a LAS section (<c>MNEM.UNIT  VALUE : DESCRIPTION</c>), and the line it was on.</summary>
public sealed record LasHeaderItem(string Mnemonic, string Unit, string Value, string Description, int Line)
{
    /// <summary>
    /// Splits a header line as LAS 2.0 (§ 3) lays it out and lasio reads it: the mnemonic up to the first period,
    /// the unit from there to the first space, the value up to the last colon, the description after it.
    /// Null for a line that has no period (not a header item).
    /// </summary>
    public static LasHeaderItem? Parse(string text, int line)
    {
        var dot = text.IndexOf('.');
        if (dot < 0) return null;
        var mnemonic = text[..dot].Trim();
        var rest = text[(dot + 1)..];
        var space = rest.IndexOfAny([' ', '\t']);
        var unit = space < 0 ? rest : rest[..space];
        var valueAndDescription = space < 0 ? "" : rest[space..];
        var colon = valueAndDescription.LastIndexOf(':');
        if (colon < 0 && unit.LastIndexOf(':') is var inUnit and >= 0) // "DEPT.M:depth": no space before the colon
            (unit, valueAndDescription, colon) = (unit[..inUnit], unit[inUnit..] + valueAndDescription, 0);
        var value = colon < 0 ? valueAndDescription : valueAndDescription[..colon];
        var description = colon < 0 ? "" : valueAndDescription[(colon + 1)..];
        return new LasHeaderItem(mnemonic.Length == 0 ? "UNKNOWN" : mnemonic, unit.Trim(), value.Trim(), description.Trim(), line);
    }
}

/// <summary>
/// A LAS file's header: the ~Version, ~Well, ~Curve and ~Parameter sections (the ~Other section is free text and
/// kept out). Curves are the columns of ~A in order; the first is the index.
/// </summary>
public sealed class LasHeader
{
    public List<LasHeaderItem> Version { get; } = [];
    public List<LasHeaderItem> Well { get; } = [];
    public List<LasHeaderItem> Curves { get; } = [];
    public List<LasHeaderItem> Parameters { get; } = [];

    public string? VersionNumber => Find(Version, "VERS")?.Value;

    /// <summary>WRAP YES: a depth step's values continue over several lines.</summary>
    public bool Wrapped => string.Equals(Find(Version, "WRAP")?.Value, "YES", StringComparison.OrdinalIgnoreCase);

    /// <summary>The NULL value of ~Well (absent samples); −999.25 when the file gives none.</summary>
    public double Null => Find(Well, "NULL") is { } item && double.TryParse(item.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
        ? value : Resize.ValueRowResizer.AbsentValue;

    public double? Step => Find(Well, "STEP") is { } item && double.TryParse(item.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>A ~Well item's value, where the file gives one (LAS 1.2 puts it in the description).</summary>
    public string? WellText(string mnemonic) =>
        Find(Well, mnemonic) is { } item ? (item.Value.Length > 0 ? item.Value : item.Description.Length > 0 ? item.Description : null) : null;

    private static LasHeaderItem? Find(List<LasHeaderItem> section, string mnemonic) =>
        section.Find(i => string.Equals(i.Mnemonic, mnemonic, StringComparison.OrdinalIgnoreCase));
}
