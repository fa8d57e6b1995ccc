using System.Text;
using ImageFrames.Interpret;
using ImageFrames.Sample;

namespace ImageFrames.Tests;

/// <summary>
/// The planes the sample log says it planted are where its picture has them: along each fracture's predicted
/// trace (its attitude turned back into a sinusoid with the same diameter) the greys are darker than a little
/// above and below it, and they are not along the trace turned half round the hole.
/// </summary>
public sealed class SampleTruthTests
{
    private const double Diameter = 8.5 / 12; // ft

    private static byte[][] Grid(SampleLogSpec spec)
    {
        using var csv = new MemoryStream();
        SampleLog.Write(spec, csv);
        return Encoding.ASCII.GetString(csv.ToArray()).Split('\n').Skip(1).Take(spec.Rows)
            .Select(line => line.Split(',').Skip(1).Select(byte.Parse).ToArray()).ToArray();
    }

    /// <summary>Mean grey along a trace <paramref name="shift"/> rows below it, over the columns it stays inside the log.</summary>
    private static double MeanAlong(byte[][] grid, SampleLogSpec spec, Sinusoid trace, int shift)
    {
        var (sum, count) = (0.0, 0);
        for (var c = 0; c < spec.Columns; c++)
        {
            var row = (int)Math.Round((trace.DepthAt(c * 360.0 / spec.Columns) - (double)spec.DepthStart) / (double)SampleLogSpec.DepthStep) + shift;
            if (row < 12 || row >= spec.Rows) continue;
            (sum, count) = (sum + grid[row][c], count + 1);
        }
        return count > spec.Columns / 2 ? sum / count : double.NaN;
    }

    [Theory]
    [InlineData(7)]
    [InlineData(20251106)]
    public void EveryPlantedFractureDarkensItsPredictedTrace(int seed)
    {
        var spec = new SampleLogSpec(Rows: 8000, Seed: seed);
        var grid = Grid(spec);
        var planes = SampleLog.Planes(spec, Diameter);
        Assert.Equal(planes.OrderBy(p => p.Depth), planes);
        var fractures = planes.Where(p => p.Kind == "fracture").ToList();
        Assert.NotEmpty(fractures);
        Assert.Contains(planes, p => p.Kind == "bed");
        var checkedOnes = 0;
        foreach (var fracture in fractures)
        {
            var trace = Sinusoid.Of(fracture.Depth, new Plane(fracture.Dip, fracture.Azimuth), Diameter);
            Assert.Equal(fracture.Amplitude, trace.Amplitude, 9);
            var on = MeanAlong(grid, spec, trace, 0);
            var around = (MeanAlong(grid, spec, trace, -6) + MeanAlong(grid, spec, trace, 6)) / 2;
            var halfRound = MeanAlong(grid, spec, trace with { Phase = trace.Phase + 180 }, 0);
            if (double.IsNaN(on) || double.IsNaN(around) || double.IsNaN(halfRound)) continue;
            checkedOnes++;
            Assert.True(around - on > 25, $"fracture at {fracture.Depth:F1}: {on:F0} on the trace, {around:F0} around it");
            if (fracture.Dip > 20) Assert.True(halfRound - on > 10, $"fracture at {fracture.Depth:F1}: the trace turned half round is as dark ({halfRound:F0})");
        }
        Assert.True(checkedOnes >= fractures.Count / 2, $"only {checkedOnes} of {fractures.Count} fractures lie inside the log");
    }
}
