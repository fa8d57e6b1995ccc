using ImageFrames.Render;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// The dynamic equaliser on its own, over rows as they come in pages: each picture row must be mapped by the greys of
/// exactly the context rows within half the window of its depth — checked against a direct count over every row,
/// with uneven spacing (the window's row count grows and shrinks as the rows stream), pages of any size and an
/// absent grey that is never counted.
/// </summary>
public sealed class GreyEqualizationTests
{
    private const int Width = 7;

    [Theory]
    [InlineData(0, 1500, 0.5, null)]
    [InlineData(200, 900, 2.0, null)]
    [InlineData(37, 1, 0.05, (byte)0)]
    [InlineData(0, 1500, 40.0, (byte)0)]
    public void EachRowIsMappedByTheRowsWithinHalfTheWindowOfItsDepth(int first, int count, double halfWindow, byte? absentGrey)
    {
        var random = new Random(first + count);
        var rows = 1500 + first;
        // Sparse rows, then dense ones, then sparse again: the ring must grow after rows have left it.
        var depths = new double[rows];
        for (var i = 1; i < rows; i++) depths[i] = depths[i - 1] + (i is > 500 and < 1000 ? 0.01 : 0.1) * (1 + random.Next(3));
        var pixels = new byte[rows * Width];
        random.NextBytes(pixels);
        var dataset = new DatasetInfo("d", 1, "d.csv", 0, "", Width, Width, "area", rows, 0, depths[0], depths[^1], DateTimeOffset.UnixEpoch);

        var pages = new List<FrameWindow>();
        for (var at = 0; at < rows;)
        {
            var take = Math.Min(rows - at, 1 + random.Next(300));
            pages.Add(new FrameWindow(dataset, rows, depths[at..(at + take)], pixels[(at * Width)..((at + take) * Width)], take));
            at += take;
        }
        var output = GreyEqualization.Dynamic(pages, dataset, first, count, halfWindow, absentGrey).ToList();

        Assert.All(output, page => Assert.InRange(page.Count, 1, GreyEqualization.PageRows));
        Assert.Equal(depths[first..(first + count)], output.SelectMany(p => p.Depths.ToArray()));
        var equalised = output.SelectMany(p => p.Pixels.ToArray()).ToArray();
        var map = new byte[256];
        for (var r = first; r < first + count; r++)
        {
            var counts = new long[256];
            for (var j = 0; j < rows; j++)
                if (depths[j] >= depths[r] - halfWindow && depths[j] <= depths[r] + halfWindow)
                    for (var x = 0; x < Width; x++) counts[pixels[j * Width + x]]++;
            GreyEqualization.Map(counts, absentGrey, map);
            for (var x = 0; x < Width; x++) Assert.Equal(map[pixels[r * Width + x]], equalised[(r - first) * Width + x]);
        }
    }

    [Fact]
    public void AContextThatEndsBeforeThePictureIsAnError()
    {
        var dataset = new DatasetInfo("d", 1, "d.csv", 0, "", Width, Width, "area", 3, 0, 0, 0.2, DateTimeOffset.UnixEpoch);
        var pages = new[] { new FrameWindow(dataset, 3, [0, 0.1, 0.2], new byte[3 * Width], 3) };
        Assert.Throws<InvalidOperationException>(() => GreyEqualization.Dynamic(pages, dataset, 1, 5, 0.1, null).ToList());
    }
}
