using SkiaSharp;

namespace ImageFrames.Render;

/// <summary>
/// An SVG the service draws (the rose and stereonet of picks) as a PNG, by Svg.Skia over SkiaSharp: a maintained SVG
/// renderer, so each picture is drawn once, as SVG, and never again by hand. Its text is set in DejaVu Sans, embedded
/// (Render/Fonts, with its licence), whatever fonts the machine has — a Functions image may have none.
/// </summary>
public static class SvgPng
{
    private static readonly Lazy<SKData> Font = new(() =>
    {
        using var stream = typeof(SvgPng).Assembly.GetManifestResourceStream("DejaVuSans.ttf")
                           ?? throw new InvalidOperationException("the embedded font DejaVuSans.ttf is missing");
        return SKData.Create(stream);
    });

    /// <summary>The picture on white, at its own size (its root's width and height) times <paramref name="scale"/>.</summary>
    public static byte[] Render(string svg, float scale = 1)
    {
        using var document = new Svg.Skia.SKSvg();
        var font = new Svg.Skia.TypefaceProviders.CustomTypefaceProvider(Font.Value, 0);
        // The diagrams ask for the generic family; the embedded face answers to it.
        ((IList<string>)font.FamilyAliases!).Add("sans-serif");
        document.Settings.TypefaceProviders!.Insert(0, font);
        var picture = document.FromSvg(svg) ?? throw new ArgumentException("the SVG could not be read", nameof(svg));
        var bounds = picture.CullRect;
        using var bitmap = new SKBitmap((int)Math.Ceiling(bounds.Width * scale), (int)Math.Ceiling(bounds.Height * scale));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.Scale(scale);
            canvas.DrawPicture(picture);
        }
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
