using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Numerics;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Render;

/// <summary>
/// Writes a colour-mapped grey image as an indexed PNG: the colour map's 256 entries are the palette and
/// the stored grey bytes are the pixel indexes, unchanged. That is lossless by construction, a third of the
/// raw size of RGB, needs no per-pixel colour lookup, and is compressed by the platform's native zlib —
/// several times faster than a general RGB encoder for the same picture (see docs/performance.md).
/// Rows are taken as they come (<see cref="WriteRows"/>) and leave as a series of IDAT chunks, so a picture
/// of any height is encoded in a few small buffers: memory is the compressed output, not the picture.
/// </summary>
public sealed class PalettePng : IDisposable
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private const int BufferBytes = 64 << 10;

    // Huffman-only: the logs are noisy, so LZ77 finds almost no repeats (level 1 left the sample's full range
    // at 823 KB, larger than raw) while entropy coding the small Up differences gives 520 KB in half the time.
    private static readonly ZLibCompressionOptions Huffman = new() { CompressionLevel = 1, CompressionStrategy = ZLibCompressionStrategy.HuffmanOnly };

    private readonly Stream _output;
    private readonly int _width, _height;
    private readonly IdatChunks _chunks;
    private readonly ZLibStream _zlib;
    private readonly byte[] _previous, _scanlines;
    private int _rows, _buffered;

    public PalettePng(Stream output, int width, int height, Rgb24[] palette)
    {
        (_output, _width, _height) = (output, width, height);
        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bits per index
        header[9] = 3; // colour type: indexed
        header[10] = header[11] = header[12] = 0; // deflate, adaptive filtering, no interlace
        WriteChunk(output, "IHDR"u8, header);
        Span<byte> plte = stackalloc byte[256 * 3];
        for (var i = 0; i < 256; i++) (plte[3 * i], plte[3 * i + 1], plte[3 * i + 2]) = (palette[i].R, palette[i].G, palette[i].B);
        WriteChunk(output, "PLTE"u8, plte);

        _chunks = new IdatChunks(output);
        _zlib = new ZLibStream(_chunks, Huffman, leaveOpen: true);
        _previous = ArrayPool<byte>.Shared.Rent(width);
        _scanlines = ArrayPool<byte>.Shared.Rent(Math.Max(BufferBytes, width + 1));
    }

    /// <summary>The whole picture at once (rows of <paramref name="width"/> greys, top to bottom).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> greys, int width, int height, Rgb24[] palette)
    {
        if (greys.Length != width * height) throw new ArgumentException($"expected {width * height} pixels, got {greys.Length}", nameof(greys));
        using var png = new MemoryStream(greys.Length / 2 + 2048);
        using (var writer = new PalettePng(png, width, height, palette))
        {
            writer.WriteRows(greys);
            writer.Finish();
        }
        return png.ToArray();
    }

    /// <summary>Appends whole rows. Each scanline is prefixed with its filter type; "Up" (2) stores the
    /// difference to the row above, which suits depth logs whose neighbouring rows are alike.</summary>
    public void WriteRows(ReadOnlySpan<byte> greys)
    {
        if (greys.Length % _width != 0) throw new ArgumentException($"expected whole rows of {_width} greys", nameof(greys));
        if (_rows + greys.Length / _width > _height) throw new InvalidOperationException($"more than the {_height} rows announced");
        for (var offset = 0; offset < greys.Length; offset += _width)
        {
            var row = greys.Slice(offset, _width);
            if (_buffered + _width + 1 > _scanlines.Length) FlushScanlines();
            var line = _scanlines.AsSpan(_buffered, _width + 1);
            if (_rows == 0)
            {
                line[0] = 0;
                row.CopyTo(line[1..]);
            }
            else
            {
                line[0] = 2;
                UpFilter(row, _previous.AsSpan(0, _width), line[1..]);
            }
            row.CopyTo(_previous);
            _buffered += _width + 1;
            _rows++;
        }
    }

    /// <summary>Ends the picture; every announced row must have been written.</summary>
    public void Finish()
    {
        if (_rows != _height) throw new InvalidOperationException($"{_rows} rows written, {_height} announced");
        FlushScanlines();
        _zlib.Dispose(); // writes the final deflate block into the last IDAT chunk
        _chunks.Dispose();
        WriteChunk(_output, "IEND"u8, []);
    }

    private void FlushScanlines()
    {
        _zlib.Write(_scanlines, 0, _buffered);
        _buffered = 0;
    }

    public void Dispose()
    {
        _zlib.Dispose();
        _chunks.Dispose();
        ArrayPool<byte>.Shared.Return(_previous);
        ArrayPool<byte>.Shared.Return(_scanlines);
    }

    /// <summary>target = row − above, byte-wise with wrap-around, a vector at a time.</summary>
    private static void UpFilter(ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, Span<byte> target)
    {
        var x = 0;
        for (; x <= row.Length - Vector<byte>.Count; x += Vector<byte>.Count)
            (new Vector<byte>(row[x..]) - new Vector<byte>(above[x..])).CopyTo(target[x..]);
        for (; x < row.Length; x++) target[x] = (byte)(row[x] - above[x]);
    }

    private static void WriteChunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        var crc = new Crc32(); // over type and data, as the format requires
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        png.Write(word);
    }

    /// <summary>The compressed stream, cut into IDAT chunks of up to 64 KiB as it arrives (a PNG may hold any
    /// number of consecutive IDAT chunks; decoders join them).</summary>
    private sealed class IdatChunks(Stream png) : Stream
    {
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        private int _count;
        private bool _disposed;

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                var take = Math.Min(data.Length, BufferBytes - _count);
                data[..take].CopyTo(_buffer.AsSpan(_count));
                _count += take;
                data = data[take..];
                if (_count == BufferBytes) Emit();
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        private void Emit()
        {
            WriteChunk(png, "IDAT"u8, _buffer.AsSpan(0, _count));
            _count = 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (_disposed) return;
            _disposed = true;
            if (_count > 0) Emit();
            ArrayPool<byte>.Shared.Return(_buffer);
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
