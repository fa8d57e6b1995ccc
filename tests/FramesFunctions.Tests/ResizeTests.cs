using ImageFrames.Resize;

namespace ImageFrames.Tests;

public sealed class ResizeTests
{
    private static byte[] Resize(byte[] source, int width, Resampler resampler)
    {
        var target = new byte[width];
        RowResizer.For(source.Length, width, resampler).Resize(source, target);
        return target;
    }

    /// <summary>200→150 area averaging is defined exactly: each 4 inputs a,b,c,d give (3a+b)/4, (b+c)/2,
    /// (c+3d)/4, rounded half up. Checked on every group of a random row.</summary>
    [Fact]
    public void AreaDownscale200To150IsTheExactQuarterAverage()
    {
        var random = new Random(42);
        var source = new byte[200];
        random.NextBytes(source);
        var target = Resize(source, 150, Resampler.Area);
        for (var g = 0; g < 50; g++)
        {
            int a = source[4 * g], b = source[4 * g + 1], c = source[4 * g + 2], d = source[4 * g + 3];
            Assert.Equal(HalfUp(3 * a + b, 4), target[3 * g]);
            Assert.Equal(HalfUp(b + c, 2), target[3 * g + 1]);
            Assert.Equal(HalfUp(c + 3 * d, 4), target[3 * g + 2]);
        }
    }

    private static int HalfUp(int numerator, int denominator) => (2 * numerator + denominator) / (2 * denominator);

    [Fact]
    public void AreaRoundsHalvesUp()
    {
        // (3·0 + 2)/4 = 0.5 → 1; (2 + 3)/2 = 2.5 → 3; (3 + 3·0)/4 = 0.75 → 1
        Assert.Equal(new byte[] { 1, 3, 1 }, Resize([0, 2, 3, 0], 3, Resampler.Area));
    }

    [Fact]
    public void AreaUpscaleRepeatsAndBlends()
    {
        // 2 → 3: outputs cover [0,2/3), [2/3,4/3), [4/3,2): a, (a+b)/2, b
        Assert.Equal(new byte[] { 10, 15, 20 }, Resize([10, 20], 3, Resampler.Area));
        Assert.Equal(Enumerable.Repeat((byte)7, 150), Resize([7], 150, Resampler.Area));
    }

    [Theory]
    [InlineData(Resampler.Area)]
    [InlineData(Resampler.Nearest)]
    [InlineData(Resampler.Bilinear)]
    [InlineData(Resampler.Bicubic)]
    [InlineData(Resampler.Lanczos3)]
    public void EveryResamplerKeepsFlatRowsFlat(Resampler resampler)
    {
        foreach (var width in new[] { 1, 3, 150, 200, 1000 })
        {
            var source = Enumerable.Repeat((byte)200, width).ToArray();
            Assert.All(Resize(source, 150, resampler), v => Assert.Equal(200, v));
        }
    }

    [Theory]
    [InlineData(Resampler.Bilinear)]
    [InlineData(Resampler.Bicubic)]
    [InlineData(Resampler.Lanczos3)]
    public void KernelResamplersFollowARampAndStayInRange(Resampler resampler)
    {
        var ramp = Enumerable.Range(0, 200).Select(i => (byte)(i * 255 / 199)).ToArray();
        var target = Resize(ramp, 150, resampler);
        for (var i = 1; i < target.Length; i++) Assert.True(target[i] >= target[i - 1] - 1, $"{resampler} not monotone at {i}");
        Assert.InRange((int)target[75], 120, 135);
    }

    [Fact]
    public void NearestPicksTheSourcePixelUnderEachTargetCentre()
    {
        // Target centres 0.5 and 1.5 map to source x = 1.0 and 3.0: pixels 1 and 3 (as Pillow's NEAREST does).
        Assert.Equal(new byte[] { 2, 4 }, Resize([1, 2, 3, 4], 2, Resampler.Nearest));
    }

    [Fact]
    public void IdentityWidthCopies()
    {
        var source = Enumerable.Range(0, 150).Select(i => (byte)i).ToArray();
        foreach (var resampler in Enum.GetValues<Resampler>()) Assert.Equal(source, Resize(source, 150, resampler));
    }

    /// <summary>Rows are resized with 32-bit sums and a multiply for the rounding division; pictures' depth axis
    /// (<see cref="RowResizer.ResizeRows"/>) with 64-bit sums and a true division. Both must agree, for every
    /// resampler and widths either side of each other, on random rows and on the extremes 0 and 255.</summary>
    [Fact]
    public void RowAndColumnResizingAgreeForEveryPlan()
    {
        var random = new Random(3);
        foreach (var resampler in Enum.GetValues<Resampler>())
            for (var trial = 0; trial < 300; trial++)
            {
                var (from, to) = (random.Next(1, 400), random.Next(1, 400));
                var plan = RowResizer.For(from, to, resampler);
                var source = new byte[from];
                random.NextBytes(source);
                if (trial % 10 == 0) Array.Fill(source, (byte)(trial % 20 == 0 ? 255 : 0));
                var row = new byte[to];
                plan.Resize(source, row);
                Assert.True(plan.ResizeRows(source, 1).AsSpan().SequenceEqual(row), $"{resampler} {from} → {to}");
            }
    }
}
