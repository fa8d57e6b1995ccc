using System.Buffers.Binary;

namespace ImageFrames.Parse.Dlis;

/// <summary>
/// The Tape Image Format (TIF) layer, under the visible records: files copied from tape keep every tape record
/// behind a 12-byte header — type (0 = data record, 1 = tape mark), then the file offsets of the previous header
/// and of the next one, each a little-endian 32-bit number. This stream returns the data records' bytes joined
/// (a visible record may straddle two of them), and stops at each tape mark — the end of one tape file — until
/// <see cref="NextTapeFileAsync"/> moves past it. The chain is checked as it is read: a header whose type or
/// offsets do not follow from the one before is a <see cref="DlisFormatException"/> naming its byte offset in the
/// file. Zeros after the last header (tape images padded to a block size) end the file. The file stays the
/// caller's to dispose.
/// </summary>
public sealed class TapeImageStream : Stream
{
    public const int HeaderLength = 12;
    private const uint DataRecord = 0, TapeMark = 1;

    private readonly Stream _file;
    private readonly byte[] _header = new byte[HeaderLength];
    private long _headerAt;          // file offset of the current record's header
    private long _nextHeaderAt;      // where the next header starts, as the current one says
    private long _dataLeft;          // bytes of the current data record not yet returned
    private bool _atTapeMark, _atEnd;
    private long _position;

    private TapeImageStream(Stream file) => _file = file;

    /// <summary>Whether a file's first 12 bytes are a TIF header: type 0 or 1, no previous header, and the next
    /// one after this one. A storage unit label or a visible record header never is: their first bytes are ASCII
    /// digits or a length followed by 0xFF 0x01, which read as a type far above 1.</summary>
    public static bool IsHeader(ReadOnlySpan<byte> first)
    {
        if (first.Length < HeaderLength) return false;
        var (type, previous, next) = Parse(first);
        return type is DataRecord or TapeMark && previous == 0 && next >= HeaderLength;
    }

    /// <summary>Opens the TIF layer over a file positioned after its first header, whose bytes are given
    /// (a caller that sniffed them cannot always seek back).</summary>
    public static TapeImageStream Open(Stream file, ReadOnlySpan<byte> firstHeader)
    {
        var stream = new TapeImageStream(file);
        firstHeader[..HeaderLength].CopyTo(stream._header);
        stream.Accept(0);
        return stream;
    }

    /// <summary>Whether the stream stands at a tape mark (reads return 0 until <see cref="NextTapeFileAsync"/>).</summary>
    public bool AtTapeMark => _atTapeMark;

    /// <summary>Where in the file the next byte read comes from (inside the current record, or its next header).</summary>
    public long FilePosition => _dataLeft > 0 ? _nextHeaderAt - _dataLeft : _nextHeaderAt;

    /// <summary>Moves past the tape mark the stream stands at; false at the end of the file.</summary>
    public async ValueTask<bool> NextTapeFileAsync(CancellationToken ct = default)
    {
        if (_atEnd) return false;
        if (!_atTapeMark) throw new InvalidOperationException("the stream does not stand at a tape mark");
        _atTapeMark = false;
        return await NextDataAsync(ct).ConfigureAwait(false) || _atTapeMark;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.IsEmpty) return 0;
        if (_dataLeft == 0 && !await NextDataAsync(ct).ConfigureAwait(false)) return 0;
        var read = await _file.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _dataLeft)], ct).ConfigureAwait(false);
        if (read == 0)
            throw new DlisFormatException(FilePosition, $"the file ends inside a TIF data record: the header at byte {_headerAt} says the next header is at byte {_nextHeaderAt}");
        _dataLeft -= read;
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>Reads headers until a data record with bytes in it (true), a tape mark or the end (false).</summary>
    private async ValueTask<bool> NextDataAsync(CancellationToken ct)
    {
        while (!_atTapeMark && !_atEnd)
        {
            if (_dataLeft > 0) return true;
            var at = _nextHeaderAt;
            var read = await _file.ReadAtLeastAsync(_header, HeaderLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (read == 0) { _atEnd = true; break; }
            if (read < HeaderLength)
                throw new DlisFormatException(at, $"the file ends inside a TIF header ({read} of {HeaderLength} bytes)");
            if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0 && await RestIsZerosAsync(ct).ConfigureAwait(false)) { _atEnd = true; break; }
            Accept(at);
        }
        return false;
    }

    /// <summary>Checks the header in <see cref="_header"/>, read at <paramref name="at"/>, against the chain.</summary>
    private void Accept(long at)
    {
        var (type, previous, next) = Parse(_header);
        var expectedPrevious = at == 0 ? 0 : _headerAt;
        if (type is not (DataRecord or TapeMark))
            throw new DlisFormatException(at, $"TIF header type {type}; expected 0 (data) or 1 (tape mark)");
        if (previous != expectedPrevious)
            throw new DlisFormatException(at, $"TIF header says the previous header is at byte {previous}, but it is at byte {expectedPrevious}: the tape image chain is broken");
        if (next < at + HeaderLength)
            throw new DlisFormatException(at, $"TIF header says the next header is at byte {next}, before the end of this one (byte {at + HeaderLength})");
        (_headerAt, _nextHeaderAt) = (at, next);
        if (type == TapeMark)
        {
            _atTapeMark = true;
            _dataLeft = 0;
            if (next != at + HeaderLength)
                throw new DlisFormatException(at, $"TIF tape mark says the next header is at byte {next}; a tape mark holds no data, so it is at byte {at + HeaderLength}");
        }
        else _dataLeft = next - at - HeaderLength;
    }

    /// <summary>After an all-zero header: true when nothing but zeros follows to the end of the file.</summary>
    private async ValueTask<bool> RestIsZerosAsync(CancellationToken ct)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await _file.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            if (buffer.AsSpan(0, read).IndexOfAnyExcept((byte)0) >= 0) return false;
        return true;
    }

    private static (uint Type, uint Previous, uint Next) Parse(ReadOnlySpan<byte> header) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(header), BinaryPrimitives.ReadUInt32LittleEndian(header[4..]), BinaryPrimitives.ReadUInt32LittleEndian(header[8..]));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
