using ImageFrames.Interpret;

namespace ImageFrames.Tests;

/// <summary>
/// The trace detector on drawn images: a plane's trace (z = z0 + A·cos(φ − p), drawn from the formula, not from
/// the detector's code) as a step under noise is found where it was drawn; pure noise gives nothing (the a-contrario
/// promise); a thin dark line is one trace; pad gaps and absent rows do not hide a plane.
/// </summary>
public sealed class TraceDetectorTests
{
    private const int Width = 150, Rows = 400;
    private const byte Absent = 255;

    /// <summary>Greys 110, <paramref name="step"/> brighter below each edge (or 40 darker within ±1.2 rows of a line),
    /// plus uniform noise.</summary>
    private static byte[] Draw(int seed, int noise, IEnumerable<(double Row, double Amplitude, double Phase)> edges,
        (double Row, double Amplitude, double Phase)? line = null, Func<int, int, bool>? absent = null, int step = 20)
    {
        var random = new Random(seed);
        var greys = new byte[Rows * Width];
        var traces = edges.ToList();
        for (var r = 0; r < Rows; r++)
            for (var c = 0; c < Width; c++)
            {
                double At((double Row, double Amplitude, double Phase) t) => t.Row + t.Amplitude * Math.Cos((c * 360.0 / Width - t.Phase) * Math.PI / 180);
                var v = 110.0 + traces.Count(t => r > At(t)) * step;
                if (line is { } l && Math.Abs(r - At(l)) < 1.2) v -= 40;
                v += random.Next(-noise, noise + 1);
                greys[r * Width + c] = absent?.Invoke(r, c) == true ? Absent : (byte)Math.Clamp(v, 0, 254);
            }
        return greys;
    }

    private static List<Trace> Detect(byte[] greys, bool withAbsent = false) =>
        TraceDetector.Detect(greys, Rows, Width, withAbsent ? Absent : null, 80, 320, 80);

    private static void AssertFound(List<Trace> found, (double Row, double Amplitude, double Phase) drawn)
    {
        var trace = Assert.Single(found, t => Math.Abs(t.Row - drawn.Row) <= 1.5);
        Assert.InRange(trace.Amplitude, drawn.Amplitude - Math.Max(0.6, 0.05 * drawn.Amplitude), drawn.Amplitude + Math.Max(0.6, 0.05 * drawn.Amplitude));
        // The phase as closely as a row's precision allows: the trace's deepest point moves by A·Δp.
        if (drawn.Amplitude >= 1) Assert.InRange(drawn.Amplitude * Math.Abs(Plane.Normalize(trace.Phase - drawn.Phase + 180) - 180) * Math.PI / 180, 0, 0.75);
        Assert.True(trace.Log10Nfa < 0);
    }

    [Theory]
    [InlineData(200.0, 0.0, 0.0)]
    [InlineData(180.0, 3.0, 45.0)]
    [InlineData(210.0, 12.0, 200.0)]
    [InlineData(190.0, 40.0, 300.0)]
    [InlineData(230.0, 70.0, 10.0)]
    public void AStepUnderNoiseIsFoundWhereItWasDrawn(double row, double amplitude, double phase)
    {
        var found = Detect(Draw(seed: (int)row, noise: 12, [(row, amplitude, phase)]));
        AssertFound(found, (row, amplitude, phase));
        Assert.Equal(TraceShape.Edge, found.Single(t => Math.Abs(t.Row - row) <= 1.5).Shape);
        Assert.DoesNotContain(found, t => Math.Abs(t.Row - row) > 3); // nothing else: the noise is noise
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AFaintStepIsFoundByTheSumAlongIt(int seed)
    {
        // 6 greys under ±12: each gradient's direction is barely better than chance, the sum along 150 columns is not.
        (double, double, double) drawn = (200, 15, 40);
        AssertFound(Detect(Draw(seed, noise: 12, [drawn], step: 6)), drawn);
    }

    [Fact]
    public void AGradedBedOnASlowTrendGivesItsTwoEdgesOnly()
    {
        // The sample's kind of log: a slow drift of the whole image (tens of greys over tens of rows) and a bed 12 rows
        // thick, 35 greys brighter at its middle and half that at its edges. The drift and the grading make every
        // parallel trace consistently aligned — enough for the direction test — but only the bed's edges are planes.
        var random = new Random(4);
        var greys = new byte[Rows * Width];
        for (var r = 0; r < Rows; r++)
            for (var c = 0; c < Width; c++)
            {
                var distance = Math.Abs(r - (200 + 10 * Math.Cos((c * 360.0 / Width - 70) * Math.PI / 180)));
                var v = 110 + 35 * Math.Sin(r / 97.0) + 18 * Math.Sin(r / 13.0) + (distance < 6 ? 35 * (1 - distance / 6 * 0.5) : 0) + random.Next(-6, 7);
                greys[r * Width + c] = (byte)Math.Clamp(v, 0, 254);
            }
        var found = Detect(greys);
        Assert.Equal(2, found.Count);
        Assert.InRange(found[0].Row, 193, 195);
        Assert.InRange(found[1].Row, 205, 207);
    }

    [Fact]
    public void PureNoiseGivesNoMoreFalseTracesThanTheThresholdPromises()
    {
        // ε is the number of false traces noise may give per call on average: at ε = 1 twenty blocks of noise may hold a
        // few (measured: 4 at ±40), at ε = 0.01 none.
        var noise = Enumerable.Range(1, 20).Select(seed => Draw(seed, noise: 40, [])).ToList();
        Assert.InRange(noise.Sum(greys => Detect(greys).Count), 0, 10);
        Assert.All(noise, greys => Assert.Empty(TraceDetector.Detect(greys, Rows, Width, null, 80, 320, 80, log10Epsilon: -2)));
    }

    [Fact]
    public void TwoPlanesCrossingEachOtherAreBothFound()
    {
        (double, double, double) bed = (200, 4, 90), fracture = (205, 30, 250);
        var found = Detect(Draw(seed: 3, noise: 8, [bed, fracture]));
        AssertFound(found, bed);
        AssertFound(found, fracture);
    }

    [Fact]
    public void TwoSteepPlanesOfOppositeDirectionsAtOneDepthAreBothFound()
    {
        // Conjugate fractures: alike in dip, opposite in direction, crossing the axis at the same depth.
        (double, double, double) one = (200, 20, 30), other = (200, 22, 200);
        var found = Detect(Draw(seed: 6, noise: 8, [one, other]));
        Assert.Contains(found, t => Math.Abs(t.Row - 200) <= 1.5 && Math.Abs(t.Amplitude - 20) <= 1 && Math.Abs(Plane.Normalize(t.Phase - 30 + 180) - 180) <= 3);
        Assert.Contains(found, t => Math.Abs(t.Row - 200) <= 1.5 && Math.Abs(t.Amplitude - 22) <= 1.1 && Math.Abs(Plane.Normalize(t.Phase - 200 + 180) - 180) <= 3);
    }

    [Fact]
    public void AThinDarkLineIsOneTraceOfThatShape()
    {
        var found = Detect(Draw(seed: 5, noise: 10, [], line: (200, 20, 120)));
        var line = Assert.Single(found);
        Assert.Equal(TraceShape.DarkLine, line.Shape);
        Assert.InRange(line.Row, 199, 201);
        Assert.InRange(line.Amplitude, 19, 21);
    }

    [Fact]
    public void PadGapsAndAbsentRowsDoNotHideAPlane()
    {
        // Four pads, each missing 12 of every 37.5 columns (a pad tool's gaps), and five whole rows absent.
        bool Gap(int r, int c) => c % 37 >= 25 || r is >= 195 and < 200;
        (double, double, double) drawn = (200, 15, 160);
        AssertFound(Detect(Draw(seed: 9, noise: 10, [drawn], absent: Gap), withAbsent: true), drawn);
    }
}
