using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ImageFrames.Serve;
using ImageFrames.Store;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Render;

/// <summary>The frames envelope of the Python prototype, which its clients parse:
/// <c>{"frames":[{"depth","pixels"[,"width","height","image_png_base64"]}],"metadata":{…}}</c>.</summary>
public static class FramesJson
{
    public sealed record Page(DepthRange Range, int Limit, int Offset, string? ColorMapName = null, Rgb24[]? Table = null);

    public static byte[] Write(FrameWindow window, Page page)
    {
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(WorstCaseBytes(window, page), Array.MaxLength));
        using (var json = new Utf8JsonWriter(buffer))
            foreach (var _ in Steps(json, window, page)) { }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The answer, whole, or written to the response as it is produced when it may be bigger than
    /// <paramref name="maxBuffered"/> bytes (a page of a value dataset, or with row pictures).</summary>
    public static ApiResponse Answer(FrameWindow window, Page page, long maxBuffered) =>
        WorstCaseBytes(window, page) > maxBuffered
            ? ApiResponse.JsonInSteps(json => Steps(json, window, page), streamed: true)
            : new ApiResponse(200, "application/json", Write(window, page));

    /// <summary>The most bytes a page can take: every grey 3 digits and a comma (a value 25 characters), long depths,
    /// and with a colour map each row's PNG in base64 (its palette alone is 768 bytes).</summary>
    private static long WorstCaseBytes(FrameWindow window, Page page) =>
        512 + (long)window.Count * (window.Width * (window.Dataset.Metadata is null ? 4 : 30) + 64 + (page.Table is null ? 0 : 1200 + window.Width * 2));

    /// <summary>The envelope, a row at a time: yields after each frame.</summary>
    private static IEnumerable<int> Steps(Utf8JsonWriter json, FrameWindow window, Page page)
    {
        json.WriteStartObject();
        json.WriteStartArray("frames");
        var (values, text) = RowText(window);
        for (var i = 0; i < window.Count; i++)
        {
            WriteFrame(json, window, i, page.Table, values, text);
            yield return i;
        }
        json.WriteEndArray();
        WriteMetadata(json, window.Dataset, page, window.Count, window.Total);
        json.WriteEndObject();
    }

    /// <summary>The same envelope written to a stream page by page, for windows of any size (the CLI's
    /// <c>render --out FILE.json</c>): <paramref name="pages"/> yields consecutive windows of one version.</summary>
    public static void Write(Stream output, DatasetInfo dataset, IEnumerable<FrameWindow> pages, Page page, int total)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartArray("frames");
        var count = 0;
        foreach (var window in pages)
        {
            WriteFrames(json, window, page.Table);
            count += window.Count;
            json.Flush(); // one page in memory at a time
        }
        json.WriteEndArray();
        WriteMetadata(json, dataset, page with { Limit = count }, count, total);
        json.WriteEndObject();
    }

    private static void WriteFrames(Utf8JsonWriter json, FrameWindow window, Rgb24[]? table)
    {
        var (values, text) = RowText(window);
        for (var i = 0; i < window.Count; i++) WriteFrame(json, window, i, table, values, text);
    }

    /// <summary>The window's values (null for greys only) and a buffer for one row's text: "[" + up to "255," (or a
    /// value's 25 characters) per pixel + "]".</summary>
    private static (DatasetValues? Values, byte[] Text) RowText(FrameWindow window)
    {
        var values = DatasetValues.Of(window.Dataset);
        return (values, new byte[2 + window.Width * (values is null ? 4 : 26)]);
    }

    private static void WriteFrame(Utf8JsonWriter json, FrameWindow window, int i, Rgb24[]? table, DatasetValues? values, byte[] text)
    {
        json.WriteStartObject();
        json.WritePropertyName("depth");
        WriteDepth(json, window.Depths[i]);
        json.WritePropertyName("pixels");
        WritePixels(json, window.Row(i), text, GreyText);
        if (values is not null)
        {
            // Each pixel's physical value (what its grey stands for), null where the sample is absent.
            json.WritePropertyName("values");
            WritePixels(json, window.Row(i), text, values.ValueText);
        }
        if (table is not null)
        {
            json.WriteNumber("width", window.Width);
            json.WriteNumber("height", 1);
            json.WriteBase64String("image_png_base64", FrameRenderer.RenderRow(window.Row(i), table));
        }
        json.WriteEndObject();
    }

    private static void WriteMetadata(Utf8JsonWriter json, DatasetInfo dataset, Page page, int count, int total)
    {
        json.WriteStartObject("metadata");
        json.WriteString("dataset", dataset.Id);
        json.WriteNumber("version", dataset.Version);
        json.WriteNumber("width", dataset.Width);
        json.WriteNumber("count", count);
        json.WriteNumber("total", total);
        WriteBound(json, "depth_min", page.Range.Min);
        WriteBound(json, "depth_max", page.Range.Max);
        json.WriteNumber("limit", page.Limit);
        json.WriteNumber("offset", page.Offset);
        json.WriteBoolean("has_more", page.Offset + count < total);
        if (page.ColorMapName is { } name) json.WriteString("colormap", name);
        if (DatasetValues.Of(dataset) is { } values)
        {
            json.WriteString("value_units", values.Units);
            json.WriteString("depth_unit", values.DepthUnit);
        }
        json.WriteEndObject();
    }

    private static readonly byte[][] GreyText = Enumerable.Range(0, 256).Select(v => System.Text.Encoding.ASCII.GetBytes(v.ToString(CultureInfo.InvariantCulture))).ToArray();

    /// <summary>A row as one raw JSON array: one writer call per row instead of one per pixel (the per-request
    /// hot path: 100 rows are 15,000 numbers).</summary>
    private static void WritePixels(Utf8JsonWriter json, ReadOnlySpan<byte> row, Span<byte> text, byte[][] textOfGrey)
    {
        var n = 0;
        text[n++] = (byte)'[';
        foreach (var grey in row)
        {
            var digits = textOfGrey[grey];
            digits.CopyTo(text[n..]);
            n += digits.Length;
            text[n++] = (byte)',';
        }
        text[row.IsEmpty ? n++ : n - 1] = (byte)']';
        json.WriteRawValue(text[..n], skipInputValidation: true);
    }

    private static void WriteBound(Utf8JsonWriter json, string name, double? value)
    {
        json.WritePropertyName(name);
        if (value is { } v) WriteDepth(json, v);
        else json.WriteNullValue();
    }

    /// <summary>Shortest round-trip text, so 9000.1 stays 9000.1; integral depths keep a ".0" as the
    /// prototype (Python floats) wrote them, so clients that expect a float still get one.</summary>
    public static void WriteDepth(Utf8JsonWriter json, double depth)
    {
        Span<char> text = stackalloc char[32];
        depth.TryFormat(text, out var n, "R", CultureInfo.InvariantCulture);
        if (text[..n].IndexOfAny('.', 'E') < 0)
        {
            text[n++] = '.';
            text[n++] = '0';
        }
        json.WriteRawValue(text[..n], skipInputValidation: true);
    }
}
