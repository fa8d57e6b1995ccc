using System.Buffers.Binary;
using System.Text;

namespace ImageFrames.Parse.Dlis;

/// <summary>RP66 v1 representation codes (Appendix B).</summary>
public enum RepresentationCode : byte
{
    FSHORT = 1, FSINGL = 2, FSING1 = 3, FSING2 = 4, ISINGL = 5, VSINGL = 6, FDOUBL = 7, FDOUB1 = 8, FDOUB2 = 9,
    CSINGL = 10, CDOUBL = 11, SSHORT = 12, SNORM = 13, SLONG = 14, USHORT = 15, UNORM = 16, ULONG = 17, UVARI = 18,
    IDENT = 19, ASCII = 20, DTIME = 21, ORIGIN = 22, OBNAME = 23, OBJREF = 24, ATTREF = 25, STATUS = 26, UNITS = 27,
}

/// <summary>An object's name: the origin it belongs to, a copy number, and an identifier (OBNAME).</summary>
public readonly record struct ObjectName(int Origin, byte Copy, string Id)
{
    public override string ToString() => $"{Id} (origin {Origin}, copy {Copy})";
}

/// <summary>A reference to an object of a type (OBJREF), e.g. a FRAME's CHANNELS.</summary>
public readonly record struct ObjectReference(string Type, ObjectName Name);

/// <summary>
/// Reads values of each representation code from big-endian bytes. Numbers come out as doubles: every numeric
/// code widens to a double exactly (FSING1/2, FDOUB1/2 and the complex codes give their first component, the
/// value, as dlisio's frames do). Throws <see cref="DlisFormatException"/> when the bytes run out.
/// </summary>
public static class Representation
{
    /// <summary>The size of one value in bytes, or 0 for the codes whose values vary in size.</summary>
    public static int FixedSize(RepresentationCode code) => code switch
    {
        RepresentationCode.FSHORT => 2, RepresentationCode.FSINGL => 4, RepresentationCode.FSING1 => 8,
        RepresentationCode.FSING2 => 12, RepresentationCode.ISINGL => 4, RepresentationCode.VSINGL => 4,
        RepresentationCode.FDOUBL => 8, RepresentationCode.FDOUB1 => 16, RepresentationCode.FDOUB2 => 24,
        RepresentationCode.CSINGL => 8, RepresentationCode.CDOUBL => 16, RepresentationCode.SSHORT => 1,
        RepresentationCode.SNORM => 2, RepresentationCode.SLONG => 4, RepresentationCode.USHORT => 1,
        RepresentationCode.UNORM => 2, RepresentationCode.ULONG => 4, RepresentationCode.DTIME => 8,
        RepresentationCode.STATUS => 1,
        _ => 0,
    };

    /// <summary>The fewest bytes one value can take (to bound a declared count before allocating for it).</summary>
    public static int MinimumSize(RepresentationCode code) => FixedSize(code) is > 0 and var size ? size : code switch
    {
        RepresentationCode.OBNAME => 3, RepresentationCode.OBJREF => 4, RepresentationCode.ATTREF => 5,
        _ => 1, // UVARI, ORIGIN, IDENT, ASCII, UNITS
    };

    public static bool IsKnown(byte code) => code is >= 1 and <= 27;

    public static bool IsNumeric(RepresentationCode code) => code is >= RepresentationCode.FSHORT and <= RepresentationCode.UVARI or RepresentationCode.ORIGIN or RepresentationCode.STATUS;

    /// <summary>One number at <paramref name="pos"/>, advancing it.</summary>
    public static double ReadNumber(RepresentationCode code, ReadOnlySpan<byte> bytes, ref int pos, long offset)
    {
        var size = FixedSize(code);
        if (size > 0)
        {
            Need(bytes, pos, size, code, offset);
            var value = Number(code, bytes.Slice(pos, size));
            pos += size;
            return value;
        }
        if (code is RepresentationCode.UVARI or RepresentationCode.ORIGIN) return ReadUvari(bytes, ref pos, offset);
        throw new DlisFormatException(offset + pos, $"representation code {code} is not a number");
    }

    /// <summary>A fixed-size number from exactly its bytes (the frame decoder's hot path).</summary>
    public static double Number(RepresentationCode code, ReadOnlySpan<byte> b) => code switch
    {
        RepresentationCode.FSINGL or RepresentationCode.FSING1 or RepresentationCode.FSING2 or RepresentationCode.CSINGL => BinaryPrimitives.ReadSingleBigEndian(b),
        RepresentationCode.FDOUBL or RepresentationCode.FDOUB1 or RepresentationCode.FDOUB2 or RepresentationCode.CDOUBL => BinaryPrimitives.ReadDoubleBigEndian(b),
        RepresentationCode.SSHORT => (sbyte)b[0],
        RepresentationCode.SNORM => BinaryPrimitives.ReadInt16BigEndian(b),
        RepresentationCode.SLONG => BinaryPrimitives.ReadInt32BigEndian(b),
        RepresentationCode.USHORT or RepresentationCode.STATUS => b[0],
        RepresentationCode.UNORM => BinaryPrimitives.ReadUInt16BigEndian(b),
        RepresentationCode.ULONG => BinaryPrimitives.ReadUInt32BigEndian(b),
        RepresentationCode.FSHORT => FShort(BinaryPrimitives.ReadUInt16BigEndian(b)),
        RepresentationCode.ISINGL => IbmSingle(BinaryPrimitives.ReadUInt32BigEndian(b)),
        RepresentationCode.VSINGL => VaxSingle(b),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a fixed-size number"),
    };

    /// <summary>FSHORT: a 12-bit two's complement fraction (sign bit first, point after it) and a 4-bit exponent.</summary>
    private static float FShort(ushort v)
    {
        var fraction = (short)(v & 0xFFF0) >> 4; // arithmetic shift keeps the sign: -2048..2047
        return (float)(fraction / 2048.0 * (1 << (v & 0x000F)));
    }

    /// <summary>ISINGL: IBM System/360 single — sign, 7-bit excess-64 exponent of 16, 24-bit fraction.</summary>
    private static float IbmSingle(uint v)
    {
        var fraction = v & 0x00FFFFFF;
        if (fraction == 0) return 0;
        var exponent = (int)((v >> 24) & 0x7F) - 64;
        var value = fraction / 16777216.0 * Math.Pow(16, exponent);
        return (float)((v & 0x80000000) != 0 ? -value : value);
    }

    /// <summary>VSINGL: VAX F-float, stored as two little-endian 16-bit words — sign, 8-bit excess-128 exponent,
    /// and a 23-bit fraction with a hidden leading 1 after the point (0.1f × 2^(e−128)).</summary>
    private static float VaxSingle(ReadOnlySpan<byte> b)
    {
        var v = (uint)b[1] << 24 | (uint)b[0] << 16 | (uint)b[3] << 8 | b[2];
        var exponent = (int)((v >> 23) & 0xFF);
        var negative = (v & 0x80000000) != 0;
        if (exponent == 0) return negative ? float.NaN : 0f; // the "reserved operand" has no value
        var significand = ((v & 0x007FFFFF) | 0x00800000) / 16777216.0;
        var value = significand * Math.Pow(2, exponent - 128);
        return (float)(negative ? -value : value);
    }

    public static int ReadUvari(ReadOnlySpan<byte> bytes, ref int pos, long offset)
    {
        Need(bytes, pos, 1, RepresentationCode.UVARI, offset);
        var first = bytes[pos];
        if ((first & 0x80) == 0) { pos += 1; return first; }
        if ((first & 0x40) == 0)
        {
            Need(bytes, pos, 2, RepresentationCode.UVARI, offset);
            var two = BinaryPrimitives.ReadUInt16BigEndian(bytes[pos..]) & 0x3FFF;
            pos += 2;
            return two;
        }
        Need(bytes, pos, 4, RepresentationCode.UVARI, offset);
        var four = (int)(BinaryPrimitives.ReadUInt32BigEndian(bytes[pos..]) & 0x3FFFFFFF);
        pos += 4;
        return four;
    }

    /// <summary>IDENT and UNITS: a 1-byte length, then that many characters.</summary>
    public static string ReadIdent(ReadOnlySpan<byte> bytes, ref int pos, long offset)
    {
        Need(bytes, pos, 1, RepresentationCode.IDENT, offset);
        var length = bytes[pos];
        Need(bytes, pos + 1, length, RepresentationCode.IDENT, offset);
        var text = Encoding.Latin1.GetString(bytes.Slice(pos + 1, length));
        pos += 1 + length;
        return text;
    }

    public static string ReadAscii(ReadOnlySpan<byte> bytes, ref int pos, long offset)
    {
        var length = ReadUvari(bytes, ref pos, offset);
        Need(bytes, pos, length, RepresentationCode.ASCII, offset);
        var text = Encoding.Latin1.GetString(bytes.Slice(pos, length));
        pos += length;
        return text;
    }

    public static ObjectName ReadObjectName(ReadOnlySpan<byte> bytes, ref int pos, long offset)
    {
        var origin = ReadUvari(bytes, ref pos, offset);
        Need(bytes, pos, 1, RepresentationCode.OBNAME, offset);
        var copy = bytes[pos++];
        return new ObjectName(origin, copy, ReadIdent(bytes, ref pos, offset));
    }

    /// <summary>Any value as an object: numbers as double, IDENT/ASCII/UNITS as string, OBNAME, OBJREF,
    /// ATTREF (as its object reference), DTIME as DateTime.</summary>
    public static object ReadValue(RepresentationCode code, ReadOnlySpan<byte> bytes, ref int pos, long offset)
    {
        switch (code)
        {
            case RepresentationCode.IDENT or RepresentationCode.UNITS: return ReadIdent(bytes, ref pos, offset);
            case RepresentationCode.ASCII: return ReadAscii(bytes, ref pos, offset);
            case RepresentationCode.OBNAME: return ReadObjectName(bytes, ref pos, offset);
            case RepresentationCode.OBJREF: return new ObjectReference(ReadIdent(bytes, ref pos, offset), ReadObjectName(bytes, ref pos, offset));
            case RepresentationCode.ATTREF:
                var reference = new ObjectReference(ReadIdent(bytes, ref pos, offset), ReadObjectName(bytes, ref pos, offset));
                ReadIdent(bytes, ref pos, offset); // the attribute's label
                return reference;
            case RepresentationCode.DTIME:
                Need(bytes, pos, 8, code, offset);
                var time = DateTime(bytes.Slice(pos, 8));
                pos += 8;
                return time;
            default:
                return ReadNumber(code, bytes, ref pos, offset);
        }
    }

    /// <summary>DTIME: year since 1900, time zone (high nibble) and month, day, hours, minutes, seconds, ms.</summary>
    private static object DateTime(ReadOnlySpan<byte> b)
    {
        try
        {
            return new DateTime(1900 + b[0], b[1] & 0x0F, b[2], b[3], b[4], b[5]).AddMilliseconds(BinaryPrimitives.ReadUInt16BigEndian(b[6..]));
        }
        catch (ArgumentOutOfRangeException)
        {
            return $"invalid DTIME {Convert.ToHexString(b)}"; // kept as text: a bad date in metadata must not lose the file
        }
    }

    private static void Need(ReadOnlySpan<byte> bytes, int pos, int size, RepresentationCode code, long offset)
    {
        if (pos + size > bytes.Length)
            throw new DlisFormatException(offset + pos, $"expected {size} bytes of {code}, the record has {Math.Max(0, bytes.Length - pos)} left");
    }
}
