using ImageFrames.Render;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Tests;

public sealed class PalettePngTests
{
    [Fact]
    public void EveryPixelDecodesToItsColourMapEntry()
    {
        var greys = new byte[157 * 61];
        new Random(3).NextBytes(greys);
        var table = Render.ColorMaps.Named["turbo"].Table(new Render.Rescale(20, 230));

        using var image = Image.Load<Rgb24>(Render.PalettePng.Encode(greys, 157, 61, table));

        Assert.Equal((157, 61), (image.Width, image.Height));
        for (var y = 0; y < 61; y++)
            for (var x = 0; x < 157; x++)
                Assert.Equal(table[greys[y * 157 + x]], image[x, y]);
    }

    /// <summary>3,000 noisy rows compress to far more than one 64 KiB IDAT chunk; the chunks decode to the exact picture.</summary>
    [Fact]
    public void APaletteSpanningManyChunksDecodesExactly()
    {
        var random = new Random(7);
        var greys = new byte[3000 * 150];
        random.NextBytes(greys);
        var table = ColorMaps.Named["turbo"].Table(null);
        var png = PalettePng.Encode(greys, 150, 3000, table);

        var chunks = 0;
        for (var at = png.AsSpan().IndexOf("IDAT"u8); at >= 0; at = png.AsSpan(at + 4).IndexOf("IDAT"u8) is var next and >= 0 ? at + 4 + next : -1) chunks++;
        Assert.True(chunks > 4, $"{chunks} IDAT chunks");
        using var image = Image.Load<Rgb24>(png);
        for (var y = 0; y < 3000; y += 37)
            for (var x = 0; x < 150; x += 11)
                Assert.Equal(table[greys[y * 150 + x]], image[x, y]);
    }
}
