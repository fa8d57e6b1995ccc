namespace ImageFrames.Interpret;

/// <summary>
/// A plane's attitude: <see cref="Dip"/> in degrees from horizontal (0–90) and <see cref="Azimuth"/>, the dip
/// direction (down-dip), in degrees clockwise from north (0–360). Whether it is true (earth frame) or apparent
/// (the hole's frame) depends on where it came from: <see cref="HoleDirection"/> turns one into the other.
/// </summary>
public readonly record struct Plane(double Dip, double Azimuth)
{
    /// <summary>The normal pointing up (its z is negative, or zero for a vertical plane): along the dip direction
    /// the plane descends at tan(dip), so z = tan(d)·(x·cos a + y·sin a) and the normal follows.</summary>
    public Direction UpwardNormal()
    {
        var (d, a) = (Radians(Dip), Radians(Azimuth));
        return new(Math.Sin(d) * Math.Cos(a), Math.Sin(d) * Math.Sin(a), -Math.Cos(d));
    }

    /// <summary>The pole a stereonet plots (lower hemisphere): trend opposite the dip direction, plunge 90° − dip.</summary>
    public (double Trend, double Plunge) Pole() => (Normalize(Azimuth + 180), 90 - Dip);

    /// <summary>The plane a normal describes, either way up. A horizontal plane gets azimuth 0.</summary>
    public static Plane FromNormal(Direction normal)
    {
        var n = normal.Unit();
        if (n.Z > 0) n = -1 * n;
        var horizontal = Math.Sqrt(n.X * n.X + n.Y * n.Y);
        var dip = Degrees(Math.Atan2(horizontal, -n.Z));
        var azimuth = horizontal < 1e-12 ? 0 : Normalize(Degrees(Math.Atan2(n.Y, n.X)));
        return new Plane(dip, azimuth);
    }

    /// <summary>An angle in [0, 360).</summary>
    public static double Normalize(double degrees)
    {
        var a = degrees % 360;
        if (a < 0) a += 360;
        return a >= 360 ? 0 : a;
    }

    internal static double Radians(double degrees) => degrees * Math.PI / 180;
    internal static double Degrees(double radians) => radians * 180 / Math.PI;
}
