namespace ImageFrames.Interpret;

/// <summary>
/// Where the hole points at a depth: <see cref="Inclination"/> from vertical (the DEVI curve) and
/// <see cref="Azimuth"/> clockwise from north (HAZI); a vertical hole is (0, 0). The image's columns go round
/// the hole clockwise looking down it from <b>north projected onto the plane across the hole</b> (the frame's
/// first axis), so in a vertical hole they are plain azimuths. A plane seen in the image has an apparent
/// attitude in that frame; turning the frame back to the earth's gives the true one.
/// </summary>
public readonly record struct HoleDirection(double Inclination, double Azimuth)
{
    public static readonly HoleDirection Vertical = new(0, 0);

    /// <summary>Down the hole.</summary>
    public Direction Axis()
    {
        var (i, a) = (Plane.Radians(Inclination), Plane.Radians(Azimuth));
        return new(Math.Sin(i) * Math.Cos(a), Math.Sin(i) * Math.Sin(a), Math.Cos(i));
    }

    /// <summary>The image's 0° direction across the hole: north with its component along the axis removed.
    /// (A horizontal hole heading due north has none; the high side — up — is taken there.)</summary>
    public Direction Reference()
    {
        var t = Axis();
        var north = Direction.North - Direction.North.Dot(t) * t;
        return north.Length() > 1e-9 ? north.Unit() : (new Direction(0, 0, -1) - new Direction(0, 0, -1).Dot(t) * t).Unit();
    }

    /// <summary>The frame's second axis, 90° clockwise from the reference looking down the hole.</summary>
    public Direction Right() => Axis().Cross(Reference());

    /// <summary>The true attitude of a plane whose apparent attitude in this hole is <paramref name="apparent"/>.</summary>
    public Plane ToTrue(Plane apparent)
    {
        var nb = apparent.UpwardNormal();
        return Plane.FromNormal(nb.X * Reference() + nb.Y * Right() + nb.Z * Axis());
    }

    /// <summary>How a plane of true attitude <paramref name="plane"/> appears in this hole.</summary>
    public Plane ToApparent(Plane plane)
    {
        var n = plane.UpwardNormal();
        return Plane.FromNormal(new Direction(n.Dot(Reference()), n.Dot(Right()), n.Dot(Axis())));
    }
}
