using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using ImageFrames.Store;

namespace ImageFrames.Render;

/// <summary>
/// A window as NumPy reads it (<c>np.load(io.BytesIO(body))</c>): the .npy format 1.0 (magic, version, a
/// little-endian header length, a Python dict literal padded with spaces so the data starts at a multiple of 64,
/// then the array in C order) — uint8 greys [rows, width], or float32 values [rows, width] with NaN for absent
/// samples — or an .npz (a zip of .npy files) holding that array as <c>greys</c> or <c>values</c> beside the
/// <c>depths</c> (float64 [rows]). Written a stored chunk at a time, each handed to the output before the next is
/// read: memory is one chunk (and the depths, 8 bytes a row, for an .npz), whatever the window.
/// </summary>
public static class NumpyArrays
{
    public static async Task WriteAsync(Stream output, FrameStream frames, DatasetValues? values, bool npz, CancellationToken ct)
    {
        // The zip writer and the headers write synchronously; they write here, and each page is passed on asynchronously.
        var spill = new SpillStream();
        if (!npz)
        {
            await WriteNpyAsync(spill, frames, values, () => spill.DrainAsync(output, ct), depths: null).ConfigureAwait(false);
            await spill.DrainAsync(output, ct).ConfigureAwait(false);
            return;
        }
        var depths = new List<double>(frames.Total);
        using (var zip = new ZipArchive(spill, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = Entry(zip, values is null ? "greys.npy" : "values.npy").Open())
                await WriteNpyAsync(entry, frames, values, () => spill.DrainAsync(output, ct), depths).ConfigureAwait(false);
            using (var entry = Entry(zip, "depths.npy").Open())
            {
                WriteHeader(entry, "<f8", depths.Count);
                Span<byte> bytes = stackalloc byte[8];
                foreach (var depth in depths)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(bytes, depth);
                    entry.Write(bytes);
                }
            }
        }
        await spill.DrainAsync(output, ct).ConfigureAwait(false);
    }

    /// <summary>About how many bytes a window's array takes (headers, and an .npz's zip records, rounded up).</summary>
    public static long Bytes(int rows, int width, bool values, bool npz) =>
        (long)rows * width * (values ? 4 : 1) + (npz ? rows * 8L + 2 * 128 + 512 : 128);

    /// <summary>The whole array in memory, for a window small enough to cache. Everything it writes to is a
    /// <see cref="MemoryStream"/>, so <see cref="WriteAsync"/> completes without waiting.</summary>
    public static byte[] ToArray(FrameStream frames, DatasetValues? values, bool npz)
    {
        using var output = new MemoryStream((int)Bytes(frames.Total, frames.Dataset.Width, values is not null, npz));
        var written = WriteAsync(output, frames, values, npz, CancellationToken.None);
        if (!written.IsCompleted) throw new InvalidOperationException("an array written to memory waited");
        written.GetAwaiter().GetResult();
        return output.ToArray();
    }

    public static void WriteHeader(Stream output, string descr, params int[] shape)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        var padded = (10 + dict.Length + 1 + 63) / 64 * 64 - 10; // header text length, '\n' included
        Span<byte> prefix = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0, 0];
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)padded);
        output.Write(prefix);
        output.Write(Encoding.ASCII.GetBytes(dict.PadRight(padded - 1) + "\n"));
    }

    /// <summary>The window's rows as one array: greys, or (<paramref name="values"/> given) the values they stand for.</summary>
    private static async Task WriteNpyAsync(Stream output, FrameStream frames, DatasetValues? values, Func<Task> pageDone, List<double>? depths)
    {
        var width = frames.Dataset.Width;
        WriteHeader(output, values is null ? "|u1" : "<f4", frames.Total, width);
        var valueOf = values?.ValueOfGrey.Select(v => v is { } d ? (float)d : float.NaN).ToArray();
        var floats = valueOf is null ? [] : new byte[Chunks.Rows * width * 4];
        foreach (var page in frames.Pages())
        {
            depths?.AddRange(page.Depths);
            var pixels = page.Pixels;
            if (valueOf is null) output.Write(pixels);
            else
            {
                for (var i = 0; i < pixels.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(i * 4), valueOf[pixels[i]]);
                output.Write(floats, 0, pixels.Length * 4);
            }
            await pageDone().ConfigureAwait(false);
        }
    }

    /// <summary>An entry stamped with a fixed time rather than the clock's: the same window is the same bytes
    /// whenever and wherever it is asked for (instances, restored backups, validators).</summary>
    private static ZipArchiveEntry Entry(ZipArchive zip, string name)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = FixedEntryTime;
        return entry;
    }

    private static readonly DateTimeOffset FixedEntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
