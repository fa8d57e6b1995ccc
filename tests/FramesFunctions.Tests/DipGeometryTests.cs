using ImageFrames.Interpret;

namespace ImageFrames.Tests;

/// <summary>
/// The geometry of planes, holes and sinusoids, against constructions in 3-D: planes built from their strike and
/// dip vectors, intersected with straight and deviated cylinders by solving along each wall line, sampled like
/// image columns, fitted, and recovered to 0.1°; and against hand-worked cases.
/// </summary>
public sealed class DipGeometryTests
{
    private const double Tolerance = 0.1; // degrees

    /// <summary>A true plane through <paramref name="point"/>, built from vectors, not from <see cref="Plane"/>'s formulas:
    /// the strike (horizontal, 90° anticlockwise of the dip direction) and the dip vector (down the steepest line).</summary>
    private static (Direction Normal, Direction Point) Construct(double dip, double azimuth, Direction point)
    {
        double R(double degrees) => degrees * Math.PI / 180;
        var strike = new Direction(Math.Cos(R(azimuth - 90)), Math.Sin(R(azimuth - 90)), 0);
        var down = new Direction(Math.Cos(R(dip)) * Math.Cos(R(azimuth)), Math.Cos(R(dip)) * Math.Sin(R(azimuth)), Math.Sin(R(dip)));
        return (strike.Cross(down).Unit(), point);
    }

    /// <summary>Where the wall line at image azimuth φ (radius r, around an axis through <paramref name="centre"/>)
    /// meets the plane: bisection on the signed distance along the line, so no formula of the code under test is used.</summary>
    private static double WallDepth(HoleDirection hole, Direction centre, double radius, double azimuth, (Direction Normal, Direction Point) plane)
    {
        var phi = azimuth * Math.PI / 180;
        var across = radius * Math.Cos(phi) * hole.Reference() + radius * Math.Sin(phi) * hole.Right();
        double Signed(double s) => plane.Normal.Dot(centre + across + s * hole.Axis() - plane.Point);
        double low = -1000, high = 1000;
        Assert.True(Signed(low) * Signed(high) < 0, "the wall line must cross the plane");
        for (var i = 0; i < 200; i++)
        {
            var middle = (low + high) / 2;
            if (Signed(low) * Signed(middle) <= 0) high = middle; else low = middle;
        }
        return (low + high) / 2;
    }

    private static double AngleBetween(Plane a, Plane b)
    {
        var cos = Math.Abs(a.UpwardNormal().Dot(b.UpwardNormal()));
        return Math.Acos(Math.Min(1, cos)) * 180 / Math.PI;
    }

    private static double AzimuthError(double a, double b) => Math.Abs(Plane.Normalize(a - b + 180) - 180);

    [Fact]
    public void AVerticalHoleShowsTheTrueDipAsAnIssueFormulaSinusoid()
    {
        // Hand-worked: an 8.5-in hole, a bed dipping 45° toward east: the trace is 8.5 in high (amplitude 4.25 in),
        // deepest at 90°, crossing the axis where it was built.
        var sinusoid = Sinusoid.Of(1000, new Plane(45, 90), 8.5 / 12);
        Assert.Equal(4.25 / 12, sinusoid.Amplitude, 12);
        Assert.Equal(90, sinusoid.Phase, 12);
        Assert.Equal(1000 + 4.25 / 12, sinusoid.DepthAt(90), 12);
        Assert.Equal(1000 - 4.25 / 12, sinusoid.DepthAt(270), 12);
        Assert.Equal(1000, sinusoid.DepthAt(0), 12);
        Assert.Equal(new Plane(45, 90), HoleDirection.Vertical.ToTrue(sinusoid.Apparent(8.5 / 12)));
    }

    [Fact]
    public void AHorizontalBedInAnInclinedHoleDipsTowardItsHighSide()
    {
        // Hand-worked: the hole leans 30° toward north; a horizontal bed is met first on the wall's low (south)
        // side, last on the high (north) side: apparent dip 30° toward 0°, and the true attitude comes back flat.
        var hole = new HoleDirection(30, 0);
        var apparent = hole.ToApparent(new Plane(0, 0));
        Assert.Equal(30, apparent.Dip, 9);
        Assert.Equal(0, AzimuthError(apparent.Azimuth, 0), 9);
        Assert.Equal(0, hole.ToTrue(apparent).Dip, 9);

        // A bed dipping 30° toward north, in that hole, is square to it: no sinusoid at all.
        Assert.Equal(0, hole.ToApparent(new Plane(30, 180)).Dip, 9);
    }

    [Fact]
    public void PlanesCutByDeviatedCylindersAreRecoveredFromTheirSampledTraces()
    {
        var random = new Random(28);
        for (var trial = 0; trial < 300; trial++)
        {
            var hole = trial == 0 ? HoleDirection.Vertical : new HoleDirection(random.NextDouble() * 70, random.NextDouble() * 360);
            var truth = new Plane(random.NextDouble() * 75, random.NextDouble() * 360);
            var diameter = 6 + random.NextDouble() * 6; // inches, and depths in inches too
            var centre = new Direction(random.NextDouble() * 100, random.NextDouble() * 100, 5000 + random.NextDouble() * 100);
            // Skip planes nearly along the hole: their trace leaves any image window.
            if (AngleBetween(hole.ToApparent(truth), new Plane(0, 0)) > 80) continue;
            var plane = Construct(truth.Dip, truth.Azimuth, centre);

            // 150 columns, as the store keeps, at their centres' azimuths.
            var points = Enumerable.Range(0, 150).Select(k => (k + 0.5) * 360.0 / 150)
                .Select(azimuth => (WallDepth(hole, centre, diameter / 2, azimuth, plane), azimuth)).ToList();
            var fit = SinusoidFit.Fit(points);
            Assert.True(fit.Residual < 1e-6, $"a plane's trace is a sinusoid exactly (residual {fit.Residual})");
            Assert.Equal(0, fit.Sinusoid.Depth, 6); // it crosses the axis where the plane passes through it

            var recovered = hole.ToTrue(fit.Sinusoid.Apparent(diameter));
            Assert.True(AngleBetween(recovered, truth) < Tolerance, $"trial {trial}: {recovered} for {truth} in {hole}");
            Assert.InRange(Math.Abs(recovered.Dip - truth.Dip), 0, Tolerance);
            if (truth.Dip > 1) Assert.InRange(AzimuthError(recovered.Azimuth, truth.Azimuth), 0, Tolerance);
        }
    }

    [Fact]
    public void ApparentAndTrueRoundTripAndPolesPointDown()
    {
        var random = new Random(2028);
        for (var i = 0; i < 1000; i++)
        {
            var hole = new HoleDirection(random.NextDouble() * 89, random.NextDouble() * 360);
            var plane = new Plane(random.NextDouble() * 89.9, random.NextDouble() * 360);
            Assert.True(AngleBetween(hole.ToTrue(hole.ToApparent(plane)), plane) < 1e-5); // degrees: acos near 1 resolves no finer
        }
        Assert.Equal((270, 60), new Plane(30, 90).Pole());
        Assert.Equal(90, new Plane(0, 180).Pole().Plunge); // a flat bed's pole points straight down
    }

    [Fact]
    public void ThreePointsFixASinusoidAndFewerOrCollinearOnesAreRefused()
    {
        var truth = new Sinusoid(2000, 0.3, 135);
        var fit = SinusoidFit.Fit([(truth.DepthAt(10), 10), (truth.DepthAt(130), 130), (truth.DepthAt(250), 250)]);
        Assert.Equal(truth.Depth, fit.Sinusoid.Depth, 9);
        Assert.Equal(truth.Amplitude, fit.Sinusoid.Amplitude, 9);
        Assert.Equal(truth.Phase, fit.Sinusoid.Phase, 9);
        Assert.Equal(0, fit.Residual, 9);

        // Off the curve by ±0.01: the residual says so.
        var noisy = SinusoidFit.Fit([(truth.DepthAt(0) + 0.01, 0), (truth.DepthAt(90) - 0.01, 90), (truth.DepthAt(180) + 0.01, 180), (truth.DepthAt(270) - 0.01, 270)]);
        Assert.Equal(0.01, noisy.Residual, 9);

        Assert.Contains("at least 3 points", Assert.Throws<ArgumentException>(() => SinusoidFit.Fit([(1, 0), (2, 90)])).Message);
        Assert.Contains("three different azimuths", Assert.Throws<ArgumentException>(() => SinusoidFit.Fit([(1, 40), (2, 40), (3, 220)])).Message);
    }
}
