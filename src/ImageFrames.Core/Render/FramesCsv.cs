using System.Globalization;
using System.Text;
using ImageFrames.Store;

namespace ImageFrames.Render;

/// <summary>A window as the CSV the ingest reads (<c>depth,col1,…</c>, greys 0–255, depths round-trip exact), so an
/// export ingests back into the same rows. Written a stored chunk at a time.</summary>
public static class FramesCsv
{
    public static async Task WriteAsync(Stream output, FrameStream frames, CancellationToken ct)
    {
        var width = frames.Dataset.Width;
        var text = new StringBuilder("depth");
        for (var c = 1; c <= width; c++) text.Append(",col").Append(c);
        text.Append('\n');
        foreach (var page in frames.Pages())
        {
            for (var r = 0; r < page.Count; r++)
            {
                text.Append(page.Depths[r].ToString("R", CultureInfo.InvariantCulture));
                foreach (var grey in page.Row(r)) text.Append(',').Append(grey);
                text.Append('\n');
            }
            await output.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), ct).ConfigureAwait(false);
            text.Clear();
        }
        if (text.Length > 0) await output.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), ct).ConfigureAwait(false);
    }
}
