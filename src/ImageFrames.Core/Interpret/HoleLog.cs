using ImageFrames.Parse;
using ImageFrames.Parse.Dlis;
using ImageFrames.Store;

namespace ImageFrames.Interpret;

/// <summary>
/// What the hole looked like where an image was logged, from the curves kept with the dataset (DLIS, LAS):
/// <list type="bullet">
/// <item><b>diameter</b>: a caliper (<c>CALI</c>, <c>HCAL</c>, else <c>C1</c> and <c>C2</c> averaged), else the bit size
/// <c>BS</c> as a curve, else the request's diameter;</item>
/// <item><b>deviation</b>: <c>DEVI</c> (inclination) with <c>HAZI</c> (hole azimuth), else vertical;</item>
/// <item><b>orientation</b> of the image's first column: <c>P1AZ</c> (pad 1 azimuth), else <c>RB</c> (relative bearing
/// from the high side) plus <c>HAZI</c>, else north.</item>
/// </list>
/// Curves are matched by name, case-insensitively; lengths are converted from the curve's unit to the depth unit.
/// Values are taken at the curve row nearest a depth; where the chosen curve's value is absent, the diameter is the
/// request's, the hole vertical, and the first column north.
/// </summary>
public sealed class HoleLog
{
    private static readonly string[] CaliperNames = ["CALI", "HCAL"];

    private readonly double[] _depths;
    private readonly double[]? _diameter, _inclination, _holeAzimuth, _orientation;
    private readonly double? _fallback;

    private HoleLog(double[] depths, double[]? diameter, string? diameterSource, double[]? inclination, double[]? holeAzimuth, double[]? orientation,
        string? orientationSource, double? fallback)
    {
        (_depths, _diameter, _inclination, _holeAzimuth, _orientation, _fallback) = (depths, diameter, inclination, holeAzimuth, orientation, fallback);
        DiameterSource = diameterSource ?? (fallback is null ? null : "request");
        var widest = diameter?.Where(d => double.IsFinite(d) && d > 0).DefaultIfEmpty(double.NaN).Max();
        MaxDiameter = widest is { } w && double.IsFinite(w) ? Math.Max(w, fallback ?? 0) : fallback;
        OrientationSource = orientationSource ?? "north";
        Deviated = inclination is not null;
    }

    /// <summary>Where the diameter comes from: a curve's name, <c>request</c>, or null when there is none.</summary>
    public string? DiameterSource { get; }

    /// <summary>What the first column faces: <c>P1AZ</c>, <c>RB+HAZI</c> or <c>north</c>.</summary>
    public string OrientationSource { get; }

    public bool Deviated { get; }

    /// <summary>A hole without curves: the given diameter (depth unit) everywhere, vertical, the first column north.</summary>
    public static HoleLog Plain(double? diameter) => new([], null, null, null, null, null, null, diameter);

    /// <summary>The hole from a window of a dataset's curves (<paramref name="sources"/> names them, in stored order),
    /// in <paramref name="depthUnit"/>; <paramref name="fallback"/> is the request's diameter.</summary>
    public static HoleLog From(CurveWindow curves, IReadOnlyList<CurveSource> sources, string depthUnit, double? fallback)
    {
        int Index(string name) => sources.ToList().FindIndex(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        double[]? Column(int index, Func<double, double>? convert = null)
        {
            if (index < 0 || curves.Depths.Length == 0) return null;
            var column = new double[curves.Depths.Length];
            for (var r = 0; r < column.Length; r++)
            {
                var v = curves.Value(r, index);
                column[r] = convert is null ? v : convert(v);
            }
            return column.Any(double.IsFinite) ? column : null;
        }
        Func<double, double>? Length(int index) =>
            index >= 0 && LengthScale(sources[index].Units, depthUnit) is { } scale ? v => v * scale : null;

        double[]? diameter = null;
        string? diameterSource = null;
        foreach (var name in CaliperNames)
            if (diameter is null && Length(Index(name)) is { } convert && Column(Index(name), convert) is { } column)
                (diameter, diameterSource) = (column, name);
        if (diameter is null && Length(Index("C1")) is { } c1 && Length(Index("C2")) is { } c2
            && Column(Index("C1"), c1) is { } one && Column(Index("C2"), c2) is { } two)
            (diameter, diameterSource) = (one.Zip(two, (a, b) => (a + b) / 2).ToArray(), "C1+C2");
        if (diameter is null && Length(Index("BS")) is { } bs && Column(Index("BS"), bs) is { } bits)
            (diameter, diameterSource) = (bits, "BS");
        var inclination = Column(Index("DEVI"));
        var holeAzimuth = Column(Index("HAZI"));
        var (orientation, orientationSource) = Column(Index("P1AZ")) is { } p1az ? (p1az, "P1AZ")
            : Column(Index("RB")) is { } rb && holeAzimuth is not null ? (rb.Zip(holeAzimuth, (a, b) => a + b).ToArray(), "RB+HAZI")
            : (null, null);
        return new HoleLog(curves.Depths, diameter, diameterSource, inclination, inclination is null ? null : holeAzimuth, orientation, orientationSource, fallback);
    }

    /// <summary>The hole's diameter at a depth, in the depth unit; null when nothing says.</summary>
    public double? Diameter(double depth) => At(_diameter, depth) is { } d && d > 0 ? d : _fallback;

    /// <summary>The largest diameter the log gives anywhere (for sizing a search); null when nothing says.</summary>
    public double? MaxDiameter { get; }

    /// <summary>Where the hole points at a depth (vertical without DEVI).</summary>
    public HoleDirection Direction(double depth) =>
        At(_inclination, depth) is { } inclination ? new HoleDirection(inclination, At(_holeAzimuth, depth) ?? 0) : HoleDirection.Vertical;

    /// <summary>The azimuth the image's first column faces at a depth (0 without an orientation curve).</summary>
    public double Orientation(double depth) => At(_orientation, depth) ?? 0;

    public bool Oriented => _orientation is not null;

    private double? At(double[]? values, double depth)
    {
        if (values is null || _depths.Length == 0) return null;
        var i = Array.BinarySearch(_depths, depth);
        if (i < 0)
        {
            i = ~i;
            if (i == _depths.Length || (i > 0 && depth - _depths[i - 1] < _depths[i] - depth)) i--;
        }
        return double.IsFinite(values[i]) ? values[i] : null;
    }

    /// <summary>How many depth units one unit of <paramref name="units"/> is; null for a unit that is not a length.</summary>
    private static double? LengthScale(string units, string depthUnit)
    {
        var (unit, scale, _, known) = DepthUnits.ToDataset(units);
        if (!known || depthUnit is not ("m" or "ft")) return null;
        return unit == depthUnit ? scale : unit == "ft" ? scale * 0.3048 : scale / 0.3048;
    }
}
