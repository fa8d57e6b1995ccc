using System.Buffers.Binary;
using System.Text;
using ImageFrames.Parse.Dlis;

namespace ImageFrames.Bench;

/// <summary>
/// Writes DLIS files byte by byte from RP66 v1: for the tests, what the shared fixtures do not cover (packed
/// visible records, records split with padding, checksums and trailing lengths, encrypted records, time indices,
/// every numeric representation code, malformed files); for the bench, large image logs. Deliberately plain:
/// each helper is one rule of the standard. Not a product feature: the service reads DLIS, it does not write it.
/// </summary>
public sealed class DlisBytes
{
    /// <summary>A logical record to write, and how its segments are dressed.</summary>
    public sealed record Record(bool Explicit, byte Type, byte[] Body, bool Encrypted = false);

    public List<Record> Records { get; } = [];

    /// <summary>Largest segment body; a longer record is split into several segments.</summary>
    public int MaxSegmentBody { get; init; } = 8000;

    /// <summary>Put as many segments into one visible record as fit (as contractors' writers do).</summary>
    public bool Pack { get; init; }

    public int MaxVisibleRecord { get; init; } = 8192;

    /// <summary>Every segment gets padding to a 4-byte multiple, a checksum and a trailing length.</summary>
    public bool Trailers { get; init; }

    public DlisBytes Eflr(byte type, byte[] body) { Records.Add(new Record(true, type, body)); return this; }
    public DlisBytes Iflr(byte type, byte[] body) { Records.Add(new Record(false, type, body)); return this; }
    public DlisBytes Encrypted(bool isExplicit, byte type, byte[] body) { Records.Add(new Record(isExplicit, type, body, true)); return this; }

    public byte[] ToArray()
    {
        var output = new MemoryStream();
        WriteTo(output);
        return output.ToArray();
    }

    public void WriteTo(Stream output)
    {
        output.Write(Label(MaxVisibleRecord));
        var segments = new List<byte[]>();
        foreach (var record in Records)
        {
            var parts = record.Body.Chunk(MaxSegmentBody).ToList();
            if (parts.Count == 0) parts.Add([]);
            for (var i = 0; i < parts.Count; i++) segments.Add(Segment(record, parts[i], first: i == 0, last: i == parts.Count - 1));
        }
        var visible = new List<byte[]>();
        foreach (var segment in segments)
        {
            if (Pack && visible.Count > 0 && 4 + visible.Sum(s => s.Length) + segment.Length <= MaxVisibleRecord) { visible.Add(segment); continue; }
            if (visible.Count > 0) WriteVisible(output, visible);
            visible = [segment];
        }
        if (visible.Count > 0) WriteVisible(output, visible);
    }

    public static byte[] Label(int maxRecord = 8192) => Encoding.ASCII.GetBytes($"   1V1.00RECORD{maxRecord,5}{"TEST-STORAGE-SET",-60}");

    private static void WriteVisible(Stream output, List<byte[]> segments)
    {
        var length = 4 + segments.Sum(s => s.Length);
        Span<byte> header = [0, 0, 0xFF, 0x01];
        BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)length);
        output.Write(header);
        foreach (var segment in segments) output.Write(segment);
    }

    private byte[] Segment(Record record, byte[] body, bool first, bool last)
    {
        byte attributes = 0;
        if (record.Explicit) attributes |= 0x80;
        if (!first) attributes |= 0x40;
        if (!last) attributes |= 0x20;
        if (record.Encrypted) attributes |= 0x10;
        var trailer = new List<byte>();
        var length = 4 + body.Length;
        // Padding: to an even length of at least 16 (and with Trailers, to a multiple of 4), the count last.
        var pad = 0;
        var target = Math.Max(16, length + (Trailers ? 4 : 0));
        if (Trailers) target += (4 - target % 4) % 4;
        else target += target % 2;
        pad = target - length - (Trailers ? 4 : 0);
        if (pad == 0 && Trailers) pad = 4; // Trailers always exercise the padding flag
        if (pad > 0)
        {
            attributes |= 0x01;
            for (var i = 1; i < pad; i++) trailer.Add(0);
            trailer.Add((byte)pad);
        }
        if (Trailers) attributes |= 0x04 | 0x02;
        var total = length + trailer.Count + (Trailers ? 4 : 0);
        var bytes = new byte[total];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)total);
        bytes[2] = attributes;
        bytes[3] = record.Type;
        body.CopyTo(bytes, 4);
        trailer.CopyTo(bytes, 4 + body.Length);
        if (Trailers)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(total - 4), 0xBEEF); // a checksum: its value is not checked
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(total - 2), (ushort)total);
        }
        return bytes;
    }

    // ---- values (Appendix B) --------------------------------------------------------------------------------

    public static byte[] Ident(string text) => [(byte)text.Length, .. Encoding.ASCII.GetBytes(text)];
    public static byte[] Ascii(string text) => [.. Uvari(text.Length), .. Encoding.ASCII.GetBytes(text)];

    public static byte[] Uvari(int value) => value switch
    {
        < 0x80 => [(byte)value],
        < 0x4000 => [(byte)(0x80 | value >> 8), (byte)value],
        _ => [(byte)(0xC0 | value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value],
    };

    public static byte[] ObjectName(string id, int origin = 1, byte copy = 0) => [.. Uvari(origin), copy, .. Ident(id)];

    public static byte[] Number(RepresentationCode code, double value)
    {
        var bytes = new byte[Representation.FixedSize(code) is > 0 and var size ? size : 4];
        switch (code)
        {
            case RepresentationCode.FSINGL: BinaryPrimitives.WriteSingleBigEndian(bytes, (float)value); break;
            case RepresentationCode.FSING1: BinaryPrimitives.WriteSingleBigEndian(bytes, (float)value); BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(4), 0.5f); break;
            case RepresentationCode.FSING2: BinaryPrimitives.WriteSingleBigEndian(bytes, (float)value); BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(4), 0.5f); BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(8), 0.25f); break;
            case RepresentationCode.CSINGL: BinaryPrimitives.WriteSingleBigEndian(bytes, (float)value); BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(4), 9f); break;
            case RepresentationCode.FDOUBL: BinaryPrimitives.WriteDoubleBigEndian(bytes, value); break;
            case RepresentationCode.FDOUB1: BinaryPrimitives.WriteDoubleBigEndian(bytes, value); BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(8), 0.5); break;
            case RepresentationCode.FDOUB2: BinaryPrimitives.WriteDoubleBigEndian(bytes, value); BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(8), 0.5); BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(16), 0.25); break;
            case RepresentationCode.CDOUBL: BinaryPrimitives.WriteDoubleBigEndian(bytes, value); BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(8), 9); break;
            case RepresentationCode.SSHORT: bytes[0] = (byte)(sbyte)value; break;
            case RepresentationCode.SNORM: BinaryPrimitives.WriteInt16BigEndian(bytes, (short)value); break;
            case RepresentationCode.SLONG: BinaryPrimitives.WriteInt32BigEndian(bytes, (int)value); break;
            case RepresentationCode.USHORT or RepresentationCode.STATUS: bytes[0] = (byte)value; break;
            case RepresentationCode.UNORM: BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value); break;
            case RepresentationCode.ULONG: BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value); break;
            case RepresentationCode.UVARI or RepresentationCode.ORIGIN: return Uvari((int)value);
            default: throw new ArgumentOutOfRangeException(nameof(code), code, "write these codes' bytes by hand");
        }
        return bytes;
    }

    // ---- sets (chapter 3) -----------------------------------------------------------------------------------

    /// <summary>A set component (role SET, type and name present) followed by its template and objects.</summary>
    public sealed class SetWriter(string type, string? name = null)
    {
        private readonly List<byte> _bytes = [(byte)(0xE0 | 0x10 | (name is null ? 0 : 0x08)), .. Ident(type), .. name is null ? [] : Ident(name)];

        /// <summary>A template attribute with a label only (count 1, IDENT, no value by default), or with a code.</summary>
        public SetWriter Template(string label, RepresentationCode? code = null)
        {
            _bytes.Add((byte)(0x20 | 0x10 | (code is null ? 0 : 0x04)));
            _bytes.AddRange(Ident(label));
            if (code is { } c) _bytes.Add((byte)c);
            return this;
        }

        public SetWriter Object(string id, int origin = 1)
        {
            _bytes.Add(0x60 | 0x10);
            _bytes.AddRange(ObjectName(id, origin));
            return this;
        }

        /// <summary>An attribute with count, code and values (and units when given).</summary>
        public SetWriter Attribute(RepresentationCode code, IReadOnlyList<byte[]> values, string? units = null)
        {
            _bytes.Add((byte)(0x20 | 0x08 | 0x04 | (units is null ? 0 : 0x02) | 0x01));
            _bytes.AddRange(Uvari(values.Count));
            _bytes.Add((byte)code);
            if (units is not null) _bytes.AddRange(Ident(units));
            foreach (var value in values) _bytes.AddRange(value);
            return this;
        }

        public SetWriter Text(string value) => Attribute(RepresentationCode.IDENT, [Ident(value)]);
        public SetWriter Numbers(RepresentationCode code, params double[] values) => Attribute(code, values.Select(v => Number(code, v)).ToList());
        public SetWriter Names(params string[] ids) => Attribute(RepresentationCode.OBNAME, ids.Select(id => ObjectName(id)).ToList());
        public SetWriter Absent() { _bytes.Add(0x00); return this; }

        /// <summary>Any bytes, for malformed sets.</summary>
        public SetWriter Raw(params byte[] bytes) { _bytes.AddRange(bytes); return this; }

        public byte[] ToArray() => [.. _bytes];
    }

    public static byte[] FileHeader(string id) =>
        new SetWriter("FILE-HEADER").Template("SEQUENCE-NUMBER").Template("ID").Object("0").Attribute(RepresentationCode.ASCII, [Ascii("1")]).Attribute(RepresentationCode.ASCII, [Ascii(id)]).ToArray();

    public static byte[] Origin(string well) =>
        new SetWriter("ORIGIN").Template("WELL-NAME").Template("FIELD-NAME").Template("COMPANY").Object("DEFINING_ORIGIN")
            .Attribute(RepresentationCode.ASCII, [Ascii(well)]).Attribute(RepresentationCode.ASCII, [Ascii("FIELD")]).Attribute(RepresentationCode.ASCII, [Ascii("COMPANY")]).ToArray();

    /// <summary>A CHANNEL set: (name, code, units, dimension) each.</summary>
    public static byte[] Channels(params (string Name, RepresentationCode Code, string Units, int[] Dimension)[] channels)
    {
        var set = new SetWriter("CHANNEL").Template("LONG-NAME").Template("REPRESENTATION-CODE").Template("UNITS").Template("DIMENSION");
        foreach (var (name, code, units, dimension) in channels)
            set.Object(name).Attribute(RepresentationCode.ASCII, [Ascii(name + " long name")]).Numbers(RepresentationCode.USHORT, (double)code)
                .Attribute(RepresentationCode.UNITS, [Ident(units)]).Numbers(RepresentationCode.UVARI, dimension.Select(d => (double)d).ToArray());
        return set.ToArray();
    }

    public static byte[] Frame(string name, string indexType, params string[] channels) =>
        new SetWriter("FRAME").Template("CHANNELS").Template("INDEX-TYPE").Object(name).Names(channels).Text(indexType).ToArray();

    /// <summary>A frame data record: the frame's name, its number, then the samples.</summary>
    public static byte[] FrameData(string frame, int number, params byte[][] samples) => [.. ObjectName(frame), .. Uvari(number), .. samples.SelectMany(s => s)];
}
