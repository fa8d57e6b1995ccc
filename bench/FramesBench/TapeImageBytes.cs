using System.Buffers.Binary;

namespace ImageFrames.Bench;

/// <summary>
/// Wraps DLIS bytes in the Tape Image Format, as copies of tapes arrive: every tape record behind a 12-byte header
/// (type 0 = data, 1 = tape mark; then the file offsets of the previous and the next header, little-endian 32-bit).
/// Each tape file's bytes are cut into data records — at a fixed size, so visible records straddle them, or at the
/// storage unit label and each visible record, as one record per block — a tape mark follows each tape file, and
/// more close the tape. For the tests and the bench; the service reads TIF, it does not write it.
/// </summary>
public static class TapeImageBytes
{
    public const int HeaderLength = 12;

    /// <param name="tapeFiles">the DLIS bytes of each tape file (a storage unit, or a part of one)</param>
    /// <param name="recordBytes">data record size; 0 cuts at the label and at each visible record instead</param>
    /// <param name="marksBefore">tape marks before the first tape file</param>
    /// <param name="marksAtEnd">tape marks after the last tape file (two close a tape; some copies have none)</param>
    public static byte[] Wrap(IReadOnlyList<byte[]> tapeFiles, int recordBytes = 0, int marksBefore = 0, int marksAtEnd = 2)
    {
        var output = new MemoryStream();
        long previous = 0;
        void Record(uint type, ReadOnlySpan<byte> data)
        {
            var at = output.Length;
            Span<byte> header = stackalloc byte[HeaderLength];
            BinaryPrimitives.WriteUInt32LittleEndian(header, type);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], checked((uint)previous));
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], checked((uint)(at + HeaderLength + data.Length)));
            output.Write(header);
            output.Write(data);
            previous = at;
        }
        for (var i = 0; i < marksBefore; i++) Record(1, []);
        for (var f = 0; f < tapeFiles.Count; f++)
        {
            foreach (var (start, length) in Cuts(tapeFiles[f], recordBytes)) Record(0, tapeFiles[f].AsSpan(start, length));
            if (f < tapeFiles.Count - 1) Record(1, []);
        }
        for (var i = 0; i < marksAtEnd; i++) Record(1, []);
        return output.ToArray();
    }

    public static byte[] Wrap(byte[] dlis, int recordBytes = 0, int marksBefore = 0, int marksAtEnd = 2) => Wrap([dlis], recordBytes, marksBefore, marksAtEnd);

    private static IEnumerable<(int Start, int Length)> Cuts(byte[] dlis, int recordBytes)
    {
        if (recordBytes > 0)
        {
            for (var at = 0; at < dlis.Length; at += recordBytes) yield return (at, Math.Min(recordBytes, dlis.Length - at));
            yield break;
        }
        var pos = 0;
        if (dlis.Length >= 80 && dlis[4] == (byte)'V') { yield return (0, 80); pos = 80; }
        while (pos < dlis.Length)
        {
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(dlis.AsSpan(pos)), dlis.Length - pos);
            yield return (pos, length);
            pos += length;
        }
    }

    /// <summary>The file offsets of every header in a wrapped file, walking the chain.</summary>
    public static List<long> HeaderOffsets(byte[] tif)
    {
        var offsets = new List<long>();
        for (long at = 0; at + HeaderLength <= tif.Length; at = BinaryPrimitives.ReadUInt32LittleEndian(tif.AsSpan((int)at + 8))) offsets.Add(at);
        return offsets;
    }
}
