using System.Buffers;
using ImageFrames.Resize;
using ImageFrames.Store;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ImageFrames.Render;

public enum ImageFormat { Png, Webp, Jpeg }

/// <summary>Turns grey frames into colour pictures: one pixel row per depth, every grey looked up in a table.</summary>
public static class FrameRenderer
{
    // Unresized PNGs take the indexed fast path (PalettePng); ImageSharp encodes the resampled ones, the
    // gallery and the legend, where speed matters less. Fast zlib level and RGB without alpha.
    private static readonly PngEncoder Png = new() { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, CompressionLevel = PngCompressionLevel.BestSpeed };
    private static readonly WebpEncoder Webp = new() { FileFormat = WebpFileFormatType.Lossless, Method = WebpEncodingMethod.Fastest };
    private static readonly JpegEncoder Jpeg = new() { Quality = 90 };

    public static string ContentType(ImageFormat format) => format switch
    {
        ImageFormat.Png => "image/png",
        ImageFormat.Webp => "image/webp",
        _ => "image/jpeg",
    };

    /// <summary>The tallest picture each format can hold (WebP stores dimensions in 14 bits, JPEG in 16); callers
    /// refuse taller requests before reading or encoding anything. Both are one short of the format's own
    /// maximum: ImageSharp 2.1 throws at exactly 16,383 (WebP) and 65,535 (JPEG) rows (measured).</summary>
    public static int MaxHeight(ImageFormat format) => format switch
    {
        ImageFormat.Webp => 16_382,
        ImageFormat.Jpeg => 65_534,
        _ => int.MaxValue,
    };

    /// <summary>The window as a picture <c>width × rows</c>, or resampled in depth to <paramref name="height"/> rows
    /// (exact area average of the greys, then the colour map, as a tile server renders a coarser zoom).</summary>
    public static byte[] Render(FrameWindow window, Rgb24[] table, ImageFormat format, int? height = null)
    {
        return height is { } h && h != window.Count
            ? Draw(RowResizer.For(window.Count, h, Resampler.Area).ResizeRows(window.Pixels, window.Width), window.Width, h, table, format)
            : Draw(window.Pixels, window.Width, window.Count, table, format);
    }

    /// <summary>A window of any size as a PNG — its pages (<paramref name="rows"/> rows in all, at least one), read
    /// from the store into the encoder a chunk at a time — with the depths of its first and last rows.</summary>
    public static (byte[] Png, double FirstDepth, double LastDepth) RenderPng(IEnumerable<FrameWindow> pages, int width, int rows, Rgb24[] table)
    {
        using var png = new MemoryStream(rows * width / 2 + 4096);
        var (first, last) = (double.NaN, double.NaN);
        foreach (var page in EncodePages(pages, width, rows, table, png))
        {
            if (double.IsNaN(first)) first = page.Depths[0];
            last = page.Depths[^1];
        }
        return (png.ToArray(), first, last);
    }

    /// <summary>The same PNG written to <paramref name="output"/> as it is encoded: each page read, encoded and sent
    /// before the next is read, so memory is one page and its compressed bytes, and a slow reader slows the reading
    /// down instead of making the answer pile up.</summary>
    public static async Task WritePngAsync(IEnumerable<FrameWindow> pages, int width, int rows, Rgb24[] table, Stream output, CancellationToken ct)
    {
        var spill = new SpillStream();
        foreach (var _ in EncodePages(pages, width, rows, table, spill)) await spill.DrainAsync(output, ct).ConfigureAwait(false);
        await spill.DrainAsync(output, ct).ConfigureAwait(false);
    }

    /// <summary>Encodes the pages, yielding each once its bytes were written; the last step ends the picture.</summary>
    private static IEnumerable<FrameWindow> EncodePages(IEnumerable<FrameWindow> pages, int width, int rows, Rgb24[] table, Stream output)
    {
        if (rows == 0) throw new ArgumentException("the window has no rows", nameof(rows));
        using var writer = new PalettePng(output, width, rows, table);
        foreach (var page in pages)
        {
            writer.WriteRows(page.Pixels);
            yield return page;
        }
        writer.Finish();
    }

    private static byte[] Draw(ReadOnlySpan<byte> greys, int width, int rows, Rgb24[] table, ImageFormat format)
    {
        if (format == ImageFormat.Png) return PalettePng.Encode(greys, width, rows, table);
        using var image = Colorize(greys, width, rows, table);
        return Encode(image, format);
    }

    /// <summary>The same window under several colour maps, side by side with white gaps (the README's picture).</summary>
    public static byte[] Gallery(FrameWindow window, IReadOnlyList<Rgb24[]> tables, int gap = 12)
    {
        var width = tables.Count * window.Width + (tables.Count - 1) * gap;
        using var gallery = new Image<Rgb24>(width, window.Count, new Rgb24(255, 255, 255));
        for (var i = 0; i < tables.Count; i++)
        {
            using var panel = Colorize(window.Pixels, window.Width, window.Count, tables[i]);
            var left = i * (window.Width + gap);
            gallery.Mutate(x => x.DrawImage(panel, new Point(left, 0), 1f));
        }
        return Encode(gallery, ImageFormat.Png);
    }

    /// <summary>One grey row as a <c>width × 1</c> colour PNG (the prototype's per-frame image).</summary>
    public static byte[] RenderRow(ReadOnlySpan<byte> row, Rgb24[] table) => PalettePng.Encode(row, row.Length, 1, table);

    /// <summary>A legend strip: grey 0..255 left to right through the map.</summary>
    public static byte[] Legend(Rgb24[] table, int height = 24)
    {
        Span<byte> ramp = stackalloc byte[256];
        for (var i = 0; i < 256; i++) ramp[i] = (byte)i;
        using var image = Colorize(ramp, 256, 1, table);
        image.Mutate(x => x.Resize(256, height, KnownResamplers.NearestNeighbor));
        return Encode(image, ImageFormat.Png);
    }

    private static Image<Rgb24> Colorize(ReadOnlySpan<byte> greys, int width, int rows, Rgb24[] table)
    {
        var buffer = ArrayPool<Rgb24>.Shared.Rent(greys.Length);
        try
        {
            var pixels = buffer.AsSpan(0, greys.Length);
            for (var i = 0; i < pixels.Length; i++) pixels[i] = table[greys[i]];
            return Image.LoadPixelData<Rgb24>(pixels, width, rows);
        }
        finally
        {
            ArrayPool<Rgb24>.Shared.Return(buffer);
        }
    }

    private static byte[] Encode(Image<Rgb24> image, ImageFormat format)
    {
        using var output = new MemoryStream();
        IImageEncoder encoder = format switch { ImageFormat.Png => Png, ImageFormat.Webp => Webp, _ => Jpeg };
        image.Save(output, encoder);
        return output.ToArray();
    }
}
