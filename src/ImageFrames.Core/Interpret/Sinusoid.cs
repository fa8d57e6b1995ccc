namespace ImageFrames.Interpret;

/// <summary>
/// A plane's trace on the unrolled wall: depth(φ) = <see cref="Depth"/> + <see cref="Amplitude"/>·cos(φ −
/// <see cref="Phase"/>), φ the column's azimuth in degrees. <see cref="Depth"/> is where the plane crosses the
/// hole's axis, <see cref="Phase"/> the azimuth of the trace's deepest point — the apparent dip direction — and
/// the amplitude is half the trace's height, in the depth unit: with the hole's diameter D in the same unit,
/// tan(apparent dip) = 2·amplitude / D.
/// </summary>
public readonly record struct Sinusoid(double Depth, double Amplitude, double Phase)
{
    public double DepthAt(double azimuth) => Depth + Amplitude * Math.Cos(Plane.Radians(azimuth - Phase));

    /// <summary>The apparent attitude, for a hole of <paramref name="diameter"/> (in the depth unit).</summary>
    public Plane Apparent(double diameter)
    {
        if (!(diameter > 0)) throw new ArgumentOutOfRangeException(nameof(diameter), diameter, "the hole's diameter must be positive");
        return new Plane(Plane.Degrees(Math.Atan2(2 * Math.Abs(Amplitude), diameter)), Plane.Normalize(Amplitude >= 0 ? Phase : Phase + 180));
    }

    /// <summary>The trace of an apparent plane crossing the axis at <paramref name="depth"/>.</summary>
    public static Sinusoid Of(double depth, Plane apparent, double diameter)
    {
        if (apparent.Dip is < 0 or >= 90) throw new ArgumentOutOfRangeException(nameof(apparent), apparent.Dip, "a plane's dip must be 0 to under 90 degrees to cross the hole");
        return new(depth, diameter / 2 * Math.Tan(Plane.Radians(apparent.Dip)), Plane.Normalize(apparent.Azimuth));
    }
}

/// <summary>A least-squares sinusoid through picked points, and how far the points lie from it (root mean square, depth unit).</summary>
public sealed record SinusoidFit(Sinusoid Sinusoid, double Residual)
{
    /// <summary>
    /// Fits depth = c0 + c1·cos φ + c2·sin φ (linear in c, so exact least squares by the normal equations), then
    /// amplitude √(c1² + c2²) and phase atan2(c2, c1). Needs three points at three different azimuths at least.
    /// </summary>
    public static SinusoidFit Fit(IReadOnlyList<(double Depth, double Azimuth)> points)
    {
        if (points.Count < 3) throw new ArgumentException($"a sinusoid needs at least 3 points, got {points.Count}", nameof(points));
        // Normal equations AᵀA c = Aᵀz for rows (1, cos φ, sin φ), summed in one pass.
        double n = 0, sumCos = 0, sumSin = 0, cosCos = 0, cosSin = 0, sinSin = 0, z = 0, zCos = 0, zSin = 0;
        foreach (var (depth, azimuth) in points)
        {
            var (cos, sin) = (Math.Cos(Plane.Radians(azimuth)), Math.Sin(Plane.Radians(azimuth)));
            n++;
            (sumCos, sumSin) = (sumCos + cos, sumSin + sin);
            (cosCos, cosSin, sinSin) = (cosCos + cos * cos, cosSin + cos * sin, sinSin + sin * sin);
            (z, zCos, zSin) = (z + depth, zCos + depth * cos, zSin + depth * sin);
        }
        ReadOnlySpan<double> m = [n, sumCos, sumSin, sumCos, cosCos, cosSin, sumSin, cosSin, sinSin];
        ReadOnlySpan<double> v = [z, zCos, zSin];
        var c = Solve3(m, v) ?? throw new ArgumentException("the points do not fix a sinusoid: they need at least three different azimuths", nameof(points));
        var sinusoid = new Sinusoid(c[0], Math.Sqrt(c[1] * c[1] + c[2] * c[2]), Plane.Normalize(Plane.Degrees(Math.Atan2(c[2], c[1]))));
        var squares = 0.0;
        foreach (var (depth, azimuth) in points) squares += Math.Pow(depth - sinusoid.DepthAt(azimuth), 2);
        return new SinusoidFit(sinusoid, Math.Sqrt(squares / points.Count));
    }

    /// <summary>Cramer's rule on a 3×3 system; null when it is singular.</summary>
    private static double[]? Solve3(ReadOnlySpan<double> m, ReadOnlySpan<double> v)
    {
        static double Det(double a, double b, double c, double d, double e, double f, double g, double h, double i) =>
            a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        var det = Det(m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
        var scale = Math.Abs(m[0] * m[4] * m[8]) + 1e-300;
        if (Math.Abs(det) < 1e-9 * scale) return null;
        return
        [
            Det(v[0], m[1], m[2], v[1], m[4], m[5], v[2], m[7], m[8]) / det,
            Det(m[0], v[0], m[2], m[3], v[1], m[5], m[6], v[2], m[8]) / det,
            Det(m[0], m[1], v[0], m[3], m[4], v[1], m[6], m[7], v[2]) / det,
        ];
    }
}
