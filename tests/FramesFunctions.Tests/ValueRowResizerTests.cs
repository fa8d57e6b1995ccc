using ImageFrames.Resize;

namespace ImageFrames.Tests;

/// <summary>
/// Resizing rows of physical values: every target sample is the exact area mean of the source it covers —
/// checked against a direct computation of the overlaps, for shrinking, growing and equal widths — and absent
/// samples (−999.25, NaN, ±∞) are left out of the mean, a target absent only when all it covers is.
/// </summary>
public sealed class ValueRowResizerTests
{
    /// <summary>The area mean written out plainly: each source sample's overlap with the target's span.</summary>
    private static double?[] Reference(double[] source, int width)
    {
        var step = (double)source.Length / width;
        var result = new double?[width];
        for (var j = 0; j < width; j++)
        {
            double sum = 0, weight = 0;
            for (var i = 0; i < source.Length; i++)
            {
                var overlap = Math.Min((j + 1) * step, i + 1) - Math.Max(j * step, i);
                if (overlap <= 0 || ValueRowResizer.IsAbsent(source[i])) continue;
                (sum, weight) = (sum + source[i] * overlap, weight + overlap);
            }
            result[j] = weight > 0 ? sum / weight : null;
        }
        return result;
    }

    [Theory]
    [InlineData(192, 150)]
    [InlineData(180, 150)]
    [InlineData(56, 150)]
    [InlineData(150, 150)]
    [InlineData(1000, 7)]
    [InlineData(2, 150)]
    public void EveryTargetIsTheAreaMeanOfWhatItCovers(int sourceWidth, int width)
    {
        var random = new Random(sourceWidth * 1000 + width);
        var resizer = new ValueRowResizer(sourceWidth, width);
        var target = new float[width];
        for (var row = 0; row < 50; row++)
        {
            var offset = row % 3 == 0 ? 1e6 : 0; // large values with small differences: the running sum must not lose them
            var source = Enumerable.Range(0, sourceWidth).Select(_ => offset + random.NextDouble() * 40 - 10).ToArray();
            if (row % 5 == 1) source[random.Next(sourceWidth)] = -999.25;
            if (row % 5 == 2) source[random.Next(sourceWidth)] = double.NaN;
            if (row % 5 == 3) Array.Fill(source, double.PositiveInfinity, 0, sourceWidth / 2);
            resizer.Resize(source, target);
            var expected = Reference(source, width);
            for (var j = 0; j < width; j++)
            {
                if (expected[j] is not { } value) Assert.True(float.IsNaN(target[j]), $"row {row} target {j}: expected absent, got {target[j]}");
                else if (target[j] != (float)value && Math.Abs(target[j] - value) > Math.Abs(value) * 2e-7)
                    Assert.Fail($"row {row} target {j}: expected {value:R}, got {target[j]:R}");
            }
        }
    }

    [Fact]
    public void EqualWidthsKeepEveryValueExactly()
    {
        var source = Enumerable.Range(0, 150).Select(i => i * 0.1 + 1e-7).ToArray();
        var target = new float[150];
        new ValueRowResizer(150, 150).Resize(source, target);
        Assert.Equal(source.Select(v => (float)v), target);
    }
}
