using System.Buffers;
using System.Buffers.Binary;

namespace ImageFrames.Parse.Dlis;

/// <summary>One logical record (RP66 v1 §2.2): explicitly formatted (EFLR: sets of objects) or indirectly
/// formatted (IFLR: frame data), its type, and its body with every segment's header and trailer removed.
/// <see cref="Body"/> is valid until the reader's next call.</summary>
public readonly record struct LogicalRecord(int Index, long Offset, bool IsExplicit, byte Type, bool Encrypted, ReadOnlyMemory<byte> Body);

/// <summary>
/// The physical layers of a DLIS file, read as a stream with bounded memory: a Tape Image Format layer where the
/// file has one (<see cref="TapeImageStream"/>, detected by its first header), the storage unit label, visible
/// records (a 4-byte header: length, 0xFF, version 1) and the logical record segments inside them (a 4-byte
/// header: length, attributes, type; then an optional encryption packet, the body, optional padding, checksum
/// and trailing length). Segments are joined into logical records: several records may share one visible
/// record, and one record may span many. Encrypted records are returned with <c>Encrypted</c> set and no body.
/// A file that starts with a visible record instead of a label is read too (as dlisio does; tape copies often
/// lack one), and a tape file after a tape mark may start with a label of its own. Byte offsets count the DLIS
/// bytes, TIF headers left out; the TIF layer's own errors name offsets in the file.
/// </summary>
public sealed class LogicalRecordReader : IDisposable
{
    // Segment attribute bits (RP66 v1 §2.2.2.1, Figure 2-4), most significant first.
    private const byte ExplicitlyFormatted = 0x80, HasPredecessor = 0x40, HasSuccessor = 0x20, IsEncrypted = 0x10,
        HasChecksum = 0x04, HasTrailingLength = 0x02, HasPadding = 0x01;

    private readonly Stream _stream;
    private readonly TapeImageStream? _tapeImage;
    private readonly int _maxRecordBytes;
    private byte[] _carry; // bytes read before the first visible record (a file without a label starts with one)
    private int _carried;
    private readonly byte[] _visible = new byte[ushort.MaxValue]; // one visible record at a time: at most 65,535 bytes
    private int _visiblePos, _visibleEnd;
    private long _visibleOffset; // file offset of _visible[0]
    private byte[] _record = ArrayPool<byte>.Shared.Rent(1 << 16);
    private int _recordLength, _index;

    private LogicalRecordReader(Stream stream, StorageUnitLabel? label, byte[] carry, int maxRecordBytes)
    {
        (_stream, _tapeImage, Label, _carry, _maxRecordBytes) = (stream, stream as TapeImageStream, label, carry, maxRecordBytes);
        _visibleOffset = label is null ? 0 : StorageUnitLabel.Length;
    }

    /// <summary>The storage unit label the file starts with; null for a file that starts with a visible record.</summary>
    public StorageUnitLabel? Label { get; }

    /// <summary>Whether the file is wrapped in the Tape Image Format.</summary>
    public bool IsTapeImage => _tapeImage is not null;

    /// <summary>Bytes consumed from the stream so far.</summary>
    public long Position => _visibleOffset + _visiblePos;

    /// <summary>Reads the storage unit label. <paramref name="maxRecordBytes"/> bounds one logical record's
    /// body (a record that claims more is rejected instead of allocated).</summary>
    public static async Task<LogicalRecordReader> OpenAsync(Stream stream, int maxRecordBytes = 64 << 20, CancellationToken ct = default)
    {
        var head = new byte[StorageUnitLabel.Length];
        var read = await stream.ReadAtLeastAsync(head.AsMemory(0, TapeImageStream.HeaderLength), TapeImageStream.HeaderLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (TapeImageStream.IsHeader(head.AsSpan(0, read)))
        {
            stream = TapeImageStream.Open(stream, head);
            read = 0;
        }
        read += await stream.ReadAtLeastAsync(head.AsMemory(read), head.Length - read, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        // Tape marks may come before the first tape file's bytes.
        while (read == 0 && stream is TapeImageStream { AtTapeMark: true } tapeImage && await tapeImage.NextTapeFileAsync(ct).ConfigureAwait(false))
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (StartsVisibleRecord(head.AsSpan(0, read)))
            return new LogicalRecordReader(stream, null, head[..read], maxRecordBytes) { _carried = read };
        return new LogicalRecordReader(stream, StorageUnitLabel.Parse(head.AsSpan(0, read)), [], maxRecordBytes);
    }

    /// <summary>Whether a file's first bytes are DLIS: a storage unit label, a TIF header, or a visible record.</summary>
    public static bool IsDlis(ReadOnlySpan<byte> head) =>
        StorageUnitLabel.IsLabel(head) || TapeImageStream.IsHeader(head) || StartsVisibleRecord(head);

    /// <summary>A storage unit label's first four bytes: its sequence number, digits or blanks (never a visible
    /// record header, whose third byte is 0xFF).</summary>
    private static bool IsSequenceNumber(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyExcept("0123456789 "u8) < 0;

    /// <summary>A visible record header: a length that holds a segment, then 0xFF and version 1.</summary>
    private static bool StartsVisibleRecord(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && bytes[2] == 0xFF && bytes[3] == 0x01 && BinaryPrimitives.ReadUInt16BigEndian(bytes) >= 4 + 16;

    /// <summary>The next logical record, or null at the end of the file.</summary>
    public async ValueTask<LogicalRecord?> NextAsync(CancellationToken ct = default)
    {
        _recordLength = 0;
        long recordOffset = -1;
        byte type = 0;
        bool isExplicit = false, encrypted = false;
        while (true)
        {
            if (_visiblePos == _visibleEnd)
            {
                if (!await NextVisibleRecordAsync(recordOpen: recordOffset >= 0, ct).ConfigureAwait(false))
                {
                    if (recordOffset >= 0)
                        throw new DlisFormatException(Position, $"{Ends} inside a logical record: its last segment (without the successor flag) is missing", _index);
                    return null;
                }
            }
            var at = _visibleOffset + _visiblePos;
            var left = _visibleEnd - _visiblePos;
            if (left < 4) throw new DlisFormatException(at, $"expected a 4-byte logical record segment header, the visible record has {left} bytes left", _index);
            var header = _visible.AsSpan(_visiblePos, 4);
            int length = BinaryPrimitives.ReadUInt16BigEndian(header);
            var attributes = header[2];
            if (length % 2 != 0) throw new DlisFormatException(at, $"segment length {length} is odd; segment lengths are even", _index);
            if (length < 16) throw new DlisFormatException(at, $"segment length {length} is below the minimum of 16 bytes", _index);
            if (length > left) throw new DlisFormatException(at, $"segment length {length} overruns its visible record, which has {left} bytes left", _index);

            var first = (attributes & HasPredecessor) == 0;
            if (first && recordOffset >= 0)
                throw new DlisFormatException(at, "a new logical record starts before the previous one's last segment", _index);
            if (!first && recordOffset < 0)
                throw new DlisFormatException(at, "a segment says it continues a logical record, but none is open", _index);
            if (first)
            {
                (recordOffset, type, isExplicit, encrypted) = (at, header[3], (attributes & ExplicitlyFormatted) != 0, (attributes & IsEncrypted) != 0);
            }

            // The trailer, from the end: trailing length, checksum, then padding whose last byte counts it.
            var bodyStart = _visiblePos + 4;
            var bodyEnd = _visiblePos + length;
            if ((attributes & HasTrailingLength) != 0) bodyEnd -= 2;
            if ((attributes & HasChecksum) != 0) bodyEnd -= 2;
            if ((attributes & HasPadding) != 0 && !encrypted)
            {
                if (bodyEnd <= bodyStart) throw new DlisFormatException(at, "the segment's padding flag is set but it has no room for padding", _index);
                var pad = _visible[bodyEnd - 1];
                if (pad == 0 || pad > bodyEnd - bodyStart)
                    throw new DlisFormatException(at, $"padding of {pad} bytes does not fit the segment's {bodyEnd - bodyStart}-byte body", _index);
                bodyEnd -= pad;
            }
            if (bodyEnd < bodyStart) throw new DlisFormatException(at, $"segment length {length} is too small for its trailer", _index);
            if (!encrypted) Append(_visible.AsSpan(bodyStart, bodyEnd - bodyStart), recordOffset);
            _visiblePos += length;

            if ((attributes & HasSuccessor) == 0)
                return new LogicalRecord(_index++, recordOffset, isExplicit, type, encrypted, encrypted ? ReadOnlyMemory<byte>.Empty : _record.AsMemory(0, _recordLength));
        }
    }

    private void Append(ReadOnlySpan<byte> bytes, long recordOffset)
    {
        var needed = _recordLength + bytes.Length;
        if (needed > _maxRecordBytes)
            throw new DlisFormatException(recordOffset, $"the logical record is larger than {_maxRecordBytes:N0} bytes, the most one record may hold", _index);
        if (needed > _record.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _record.Length * 2));
            _record.AsSpan(0, _recordLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_record);
            _record = larger;
        }
        bytes.CopyTo(_record.AsSpan(_recordLength));
        _recordLength = needed;
    }

    private async ValueTask<bool> NextVisibleRecordAsync(bool recordOpen, CancellationToken ct)
    {
        _visibleOffset += _visibleEnd;
        _visiblePos = _visibleEnd = 0;
        var read = await ReadAsync(_visible.AsMemory(0, 4), ct).ConfigureAwait(false);
        while (!recordOpen)
        {
            // A tape mark ends a tape file, and a storage unit label may open the next logical file (tape copies
            // join storage units): between logical records, pass over both.
            if (read == 0 && _tapeImage is { AtTapeMark: true } && await _tapeImage.NextTapeFileAsync(ct).ConfigureAwait(false))
                read = await ReadAsync(_visible.AsMemory(0, 4), ct).ConfigureAwait(false);
            else if (read == 4 && IsSequenceNumber(_visible.AsSpan(0, 4)))
            {
                read += await ReadAsync(_visible.AsMemory(4, StorageUnitLabel.Length - 4), ct).ConfigureAwait(false);
                _ = StorageUnitLabel.Parse(_visible.AsSpan(0, read)); // a label, or an error saying what is there instead
                _visibleOffset += read;
                read = await ReadAsync(_visible.AsMemory(0, 4), ct).ConfigureAwait(false);
            }
            else break;
        }
        if (read == 0) return false;
        if (read < 4) throw new DlisFormatException(_visibleOffset, $"{Ends} inside a visible record header ({read} of 4 bytes)");
        int length = BinaryPrimitives.ReadUInt16BigEndian(_visible);
        if (_visible[2] != 0xFF || _visible[3] != 0x01)
            throw new DlisFormatException(_visibleOffset, $"expected a visible record header (length, 0xFF, 0x01), found {_visible[0]:X2} {_visible[1]:X2} {_visible[2]:X2} {_visible[3]:X2}");
        if (length < 4 + 16) throw new DlisFormatException(_visibleOffset, $"visible record length {length} cannot hold a 16-byte segment");
        read = await ReadAsync(_visible.AsMemory(4, length - 4), ct).ConfigureAwait(false);
        if (read < length - 4)
            throw new DlisFormatException(_visibleOffset, _tapeImage is { AtTapeMark: true }
                ? $"visible record length {length} overruns its tape file: {TapeMark} comes {4 + read} bytes into it"
                : $"visible record length {length} overruns the file, which ends {4 + read} bytes into it");
        _visiblePos = 4;
        _visibleEnd = length;
        return true;
    }

    private string Ends => _tapeImage is { AtTapeMark: true } ? $"{TapeMark} comes" : "the file ends";

    /// <summary>The tape mark the TIF layer stands at, placed in the file.</summary>
    private string TapeMark => $"a TIF tape mark (file byte {_tapeImage!.FilePosition - TapeImageStream.HeaderLength})";

    /// <summary>Fills <paramref name="buffer"/> from the bytes carried over from opening, then the stream;
    /// fewer bytes only at the end of the file or at a tape mark.</summary>
    private async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        var taken = 0;
        if (_carried > 0)
        {
            taken = Math.Min(_carried, buffer.Length);
            _carry.AsSpan(_carry.Length - _carried, taken).CopyTo(buffer.Span);
            _carried -= taken;
        }
        if (taken < buffer.Length)
            taken += await _stream.ReadAtLeastAsync(buffer[taken..], buffer.Length - taken, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        return taken;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_record);
        _record = [];
    }
}
