using System.Text;

namespace ImageFrames.Parse.Dlis;

/// <summary>
/// The 80 bytes a DLIS storage unit starts with (RP66 v1 §2.3.2): sequence number (4 ASCII digits), DLIS version
/// ("V1.00"), structure ("RECORD"), maximum visible record length (5 digits) and the storage set identifier
/// (60 characters).
/// </summary>
public sealed record StorageUnitLabel(int SequenceNumber, string Version, string Structure, int MaximumRecordLength, string SetIdentifier)
{
    public const int Length = 80;

    public static StorageUnitLabel Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Length)
            throw new DlisFormatException(0, $"expected an 80-byte storage unit label, the file has {bytes.Length} bytes" + LooksLike(bytes));
        var version = Encoding.ASCII.GetString(bytes[4..9]);
        var structure = Encoding.ASCII.GetString(bytes[9..15]);
        if (!version.StartsWith("V1.", StringComparison.Ordinal) || structure != "RECORD")
            throw new DlisFormatException(0, $"expected a storage unit label ('V1.nn' at bytes 4-8, 'RECORD' at bytes 9-14), found '{Printable(bytes[..16])}'" + LooksLike(bytes));
        return new StorageUnitLabel(Number(bytes[..4], 0), version, structure, Number(bytes[15..20], 15), Encoding.ASCII.GetString(bytes[20..80]).TrimEnd());
    }

    /// <summary>Whether these first bytes are a storage unit label (for telling DLIS from other formats).</summary>
    public static bool IsLabel(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 15 && bytes[4..7].SequenceEqual("V1."u8) && bytes[9..15].SequenceEqual("RECORD"u8);

    // Blank or zero-padded digits; some writers leave the sequence number or length blank.
    private static int Number(ReadOnlySpan<byte> digits, int offset)
    {
        var text = Encoding.ASCII.GetString(digits).Trim();
        if (text.Length == 0) return 0;
        return int.TryParse(text, out var value) ? value
            : throw new DlisFormatException(offset, $"expected digits in the storage unit label, found '{Printable(digits)}'");
    }

    private static string LooksLike(ReadOnlySpan<byte> bytes)
    {
        var head = Printable(bytes[..Math.Min(bytes.Length, 32)]);
        if (head.Contains(',') && head.TrimStart().StartsWith("depth", StringComparison.OrdinalIgnoreCase)) return " — this looks like CSV text, not DLIS";
        if (head.TrimStart().StartsWith('~')) return " — this looks like a LAS file, not DLIS";
        return "";
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '.';
        return new string(chars);
    }
}
