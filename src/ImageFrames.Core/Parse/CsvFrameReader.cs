using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using CsvHelper;
using ImageFrames.Resize;

namespace ImageFrames.Parse;

/// <summary>Limits that turn oversized input into a clear rejection instead of an out-of-memory.</summary>
public sealed record CsvLimits(int MaxColumns, int MaxRows);

/// <summary>
/// Streams a depth-indexed image CSV (header <c>depth,&lt;N pixel columns&gt;</c>, then one row per depth),
/// validates every cell and resizes each row straight into a <see cref="FrameBatch"/>. Any violation throws
/// <see cref="CsvRejectedException"/> naming the line, the column and what was expected.
/// </summary>
public sealed class CsvFrameReader : IDisposable
{
    // CsvHelper tokenises UTF-8 bytes directly (quotes, CRLF, BOM, line numbers); cells are validated as
    // bytes too, so no string is made per cell. The header is read as a record so it can be checked here,
    // empty lines come through so they can be counted, and broken quoting is an error, not a guess. The
    // separator is a comma: left unset, CsvHelper guesses it from the first line, and a file of ';' or tab
    // separated cells was stored as if it were the format.
    private static readonly CsvReaderOptions Options = new()
    {
        Separator = ',',
        HasHeader = false,
        SkipEmptyLines = false,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        MaxRecordSize = 16 << 20,
    };

    private readonly CsvReader _csv;
    private readonly string[] _columnNames;
    private readonly byte[] _sourceRow;
    private readonly RowResizer _resizer;
    private readonly CsvLimits _limits;

    public int SourceWidth => _sourceRow.Length;
    public int TargetWidth => _resizer.TargetWidth;
    public int Rows { get; private set; }
    public int SkippedRows { get; private set; }
    public double DepthMin { get; private set; } = double.PositiveInfinity;
    public double DepthMax { get; private set; } = double.NegativeInfinity;

    private CsvFrameReader(CsvReader csv, string[] columnNames, int targetWidth, Resampler resampler, CsvLimits limits)
    {
        _csv = csv;
        _columnNames = columnNames;
        _sourceRow = new byte[columnNames.Length - 1];
        _resizer = RowResizer.For(_sourceRow.Length, targetWidth, resampler);
        _limits = limits;
    }

    public static async Task<CsvFrameReader> OpenAsync(Stream csv, int targetWidth, Resampler resampler, CsvLimits limits, CancellationToken ct)
    {
        var reader = CsvReader.Create(csv, Options, leaveOpen: true);
        try
        {
            if (!await ReadAsync(reader, ct).ConfigureAwait(false))
                throw new CsvRejectedException("the file is empty: expected a header line 'depth,<pixel columns…>' and data rows");
            if (IsBlank(reader))
            {
                var onlyBlank = true;
                while (onlyBlank && await ReadAsync(reader, ct).ConfigureAwait(false)) onlyBlank = IsBlank(reader);
                throw onlyBlank
                    ? new CsvRejectedException("the file is empty: expected a header line 'depth,<pixel columns…>' and data rows")
                    : new CsvRejectedException("expected a header line 'depth,<pixel columns…>', found an empty line", 1);
            }
            var names = ReadHeader(reader, limits);
            return new CsvFrameReader(reader, names, targetWidth, resampler, limits);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Broken quoting (a quote never closed, text after a closing quote) is a rejection with its line.</summary>
    private static async ValueTask<bool> ReadAsync(CsvReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadAsync(ct).ConfigureAwait(false);
        }
        catch (CsvFormatException e)
        {
            throw new CsvRejectedException($"malformed CSV quoting: {e.Message}", e.LineNumber is > 0 and <= int.MaxValue ? (int)e.LineNumber : null);
        }
    }

    private static string[] ReadHeader(CsvReader header, CsvLimits limits)
    {
        const int line = 1; // the header is the file's first line by definition: anything else is rejected here
        var cell = header.GetSpan(0);
        var first = cell[Ascii.Trim(cell)];
        if (!Ascii.EqualsIgnoreCase(first, "depth"u8))
        {
            var other = first.IndexOfAny(";\t|"u8);
            var hint = other > 0 && Ascii.EqualsIgnoreCase(first[..other], "depth"u8)
                ? $" — the file has {(first[other] == '\t' ? "'\\t'" : $"'{(char)first[other]}'")} between cells, expected commas"
                : double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? " — the file seems to have no header line, and its first row must not be lost" : "";
            throw new CsvRejectedException($"expected a header whose first cell is 'depth', found '{Clip(first)}'{hint}", line, 1);
        }
        if (header.FieldCount < 2)
            throw new CsvRejectedException("expected at least one pixel column after 'depth' in the header", line);
        if (header.FieldCount - 1 > limits.MaxColumns)
            throw new CsvRejectedException($"the header has {header.FieldCount - 1:N0} pixel columns, more than the {limits.MaxColumns:N0} allowed (FRAMES_MAX_COLUMNS)", line);
        var names = new string[header.FieldCount];
        for (var c = 0; c < names.Length; c++) names[c] = Encoding.UTF8.GetString(header.GetSpan(c));
        return names;
    }

    /// <summary>Fills <paramref name="batch"/> with the next rows; false once the file is exhausted and nothing was read.</summary>
    public async ValueTask<bool> FillAsync(FrameBatch batch, CancellationToken ct)
    {
        batch.Count = 0;
        while (!batch.IsFull && await ReadAsync(_csv, ct).ConfigureAwait(false))
            ReadRow(batch);
        return batch.Count > 0;
    }

    /// <summary>Call after the last batch: a header with no rows is not a dataset.</summary>
    public void EnsureRows()
    {
        if (Rows == 0) throw new CsvRejectedException("the file has a header but no data rows");
    }

    private void ReadRow(FrameBatch batch)
    {
        var row = _csv;
        var line = (int)row.LineNumber;
        if (row.GetSpan(0).IsEmpty && IsBlank(row))
        {
            SkippedRows++;
            return;
        }
        if (row.FieldCount != _columnNames.Length)
            throw new CsvRejectedException(
                $"expected {_columnNames.Length} cells (depth + {SourceWidth} pixel values, as in the header), found {row.FieldCount}", line);
        if (Rows == _limits.MaxRows)
            throw new CsvRejectedException($"more than {_limits.MaxRows:N0} data rows (FRAMES_MAX_ROWS)", line);

        var depthText = row.GetSpan(0);
        if (!double.TryParse(depthText, NumberStyles.Float, CultureInfo.InvariantCulture, out var depth) || !double.IsFinite(depth))
            throw new CsvRejectedException($"expected a finite decimal depth, found '{Clip(depthText)}'", line, 1, _columnNames[0]);

        var source = _sourceRow.AsSpan();
        if (!TryParsePlainGreys(row.RawRecord, source))
            for (var c = 0; c < source.Length; c++)
            {
                var cell = row.GetSpan(c + 1);
                if (!TryParseGrey(cell, out source[c]))
                    throw new CsvRejectedException($"expected an integer grey value 0..255, found '{Clip(cell)}'", line, c + 2, _columnNames[c + 1]);
            }

        var i = batch.Count++;
        batch.Depths[i] = depth;
        batch.Lines[i] = line;
        _resizer.Resize(source, batch.Row(i));
        Rows++;
        if (depth < DepthMin) DepthMin = depth;
        if (depth > DepthMax) DepthMax = depth;
    }

    /// <summary>
    /// The common row — no quotes, every grey a plain 1-3 digit integer — in one pass over its raw bytes (the
    /// depth cell is parsed on its own), instead of a field lookup per cell. With 256-bit vectors, 32 bytes are
    /// checked and converted at a time: at every byte, the number formed by the up to three digits before it,
    /// kept where the byte is a comma. Walking the row byte by byte instead was 15 % of the 1M-row ingest's CPU
    /// (the cell lengths vary at random, so the loop mispredicts); this is a third of that (microbenchmark).
    /// Anything else returns false and takes the per-cell path, so its results and its errors are the only ones seen.
    /// </summary>
    internal static bool TryParsePlainGreys(ReadOnlySpan<byte> raw, Span<byte> greys)
    {
        var first = raw.IndexOf((byte)',') + 1;
        if (first == 0 || raw[..first].Contains((byte)'"')) return false; // past the depth, anything but digits fails below
        ref var bytes = ref MemoryMarshal.GetReference(raw);
        int at = first, cellStart = first, c = 0;
        var bad = false;
        // Each block also reads the three bytes before it, which exist once the depth has two characters or more.
        if (Vector256.IsHardwareAccelerated && first >= 3)
        {
            Span<ushort> numbers = stackalloc ushort[Vector256<byte>.Count];
            ref var number = ref MemoryMarshal.GetReference(numbers);
            for (; at <= raw.Length - Vector256<byte>.Count; at += Vector256<byte>.Count)
            {
                var commas = BlockNumbers(ref Unsafe.Add(ref bytes, at), ref number, ref bad);
                if (c + BitOperations.PopCount(commas) > greys.Length - 1) return false; // more cells than the header
                for (; commas != 0; commas &= commas - 1)
                {
                    var comma = BitOperations.TrailingZeroCount(commas);
                    greys[c++] = (byte)Unsafe.Add(ref number, comma);
                    cellStart = at + comma + 1;
                }
            }
        }
        for (; at < raw.Length; at++)
        {
            var b = raw[at];
            if (b == ',')
            {
                if (c == greys.Length - 1) return false;
                bad |= !TryCellBefore(ref bytes, at, at - cellStart, out greys[c++]);
                cellStart = at + 1;
            }
            else bad |= (uint)(b - '0') > 9u;
        }
        if (c != greys.Length - 1) return false;
        bad |= !TryCellBefore(ref bytes, raw.Length, raw.Length - cellStart, out greys[c]);
        return !bad;
    }

    /// <summary>
    /// One 32-byte block of grey cells: returns its commas as a bit mask and writes, for every byte, the number its
    /// (up to three) preceding digits form; <paramref name="bad"/> is set if a byte is neither digit nor comma, a
    /// comma closes an empty cell or one above 255, or four digits run together.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BlockNumbers(ref byte block, ref ushort numbers, ref bool bad)
    {
        var zero = Vector256.Create((byte)'0');
        var nine = Vector256.Create((byte)9);
        var here = Vector256.LoadUnsafe(ref block);
        var units = Vector256.LoadUnsafe(ref Unsafe.Subtract(ref block, 1)) - zero;
        var tens = Vector256.LoadUnsafe(ref Unsafe.Subtract(ref block, 2)) - zero;
        var hundreds = Vector256.LoadUnsafe(ref Unsafe.Subtract(ref block, 3)) - zero;
        // Which of the three bytes before each byte belong to the digit run that ends just before it.
        var hasUnits = Vector256.LessThanOrEqual(units, nine);
        var hasTens = Vector256.LessThanOrEqual(tens, nine) & hasUnits;
        var hasHundreds = Vector256.LessThanOrEqual(hundreds, nine) & hasTens;
        var isDigit = Vector256.LessThanOrEqual(here - zero, nine);
        var commas = Vector256.Equals(here, Vector256.Create((byte)',')).ExtractMostSignificantBits();
        var (unitsLow, unitsHigh) = Vector256.Widen(units & hasUnits);
        var (tensLow, tensHigh) = Vector256.Widen(tens & hasTens);
        var (hundredsLow, hundredsHigh) = Vector256.Widen(hundreds & hasHundreds);
        var low = unitsLow + tensLow * 10 + hundredsLow * 100;
        var high = unitsHigh + tensHigh * 10 + hundredsHigh * 100;
        var max = Vector256.Create((ushort)255);
        var over = Vector256.Narrow(Vector256.GreaterThan(low, max), Vector256.GreaterThan(high, max)).ExtractMostSignificantBits();
        bad |= (~(commas | isDigit.ExtractMostSignificantBits()) | (hasHundreds & isDigit).ExtractMostSignificantBits()
                | (commas & (~hasUnits.ExtractMostSignificantBits() | over))) != 0;
        low.StoreUnsafe(ref numbers);
        high.StoreUnsafe(ref numbers, (nuint)Vector256<ushort>.Count);
        return commas;
    }

    /// <summary>The 1-3 digits that end just before <paramref name="end"/>, read as one little-endian word whose
    /// top bytes they are (the depth cell and its comma guarantee the four bytes exist once a cell is past them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryCellBefore(ref byte bytes, int end, int length, out byte value)
    {
        uint word;
        if (end >= sizeof(uint)) word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref bytes, end - sizeof(uint)));
        else
        {
            word = 0; // a cell right after a one-character depth: the word would start before the row
            for (var i = 0; i < end; i++) word |= (uint)Unsafe.Add(ref bytes, i) << (8 * (sizeof(uint) - end + i));
        }
        var keep = uint.MaxValue << (32 - 8 * length); // the cell's bytes; a length outside 1..3 fails below
        var digits = (word & keep) - (0x3030_3030u & keep);
        var number = (digits >> 8 & 0xFF) * 100 + (digits >> 16 & 0xFF) * 10 + (digits >> 24);
        value = (byte)number;
        return (uint)(length - 1) <= 2u && number <= 255;
    }

    /// <summary>Plain 1-3 digit integers take the fast path; anything else (spaces, "12.0") the exact slow one.</summary>
    internal static bool TryParseGrey(ReadOnlySpan<byte> cell, out byte value)
    {
        if ((uint)(cell.Length - 1) < 3u)
        {
            var acc = 0;
            foreach (var ch in cell)
            {
                var digit = ch - '0';
                if ((uint)digit > 9u) return TryParseGreySlow(cell, out value);
                acc = acc * 10 + digit;
            }
            value = (byte)acc;
            return acc <= 255;
        }
        return TryParseGreySlow(cell, out value);
    }

    private static bool TryParseGreySlow(ReadOnlySpan<byte> cell, out byte value)
    {
        value = 0;
        if (!decimal.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            || d != decimal.Truncate(d) || d < 0 || d > 255) return false;
        value = (byte)d;
        return true;
    }

    private static bool IsBlank(CsvReader row)
    {
        for (var c = 0; c < row.FieldCount; c++)
        {
            var cell = row.GetSpan(c);
            if (!cell[Ascii.Trim(cell)].IsEmpty) return false;
        }
        return true;
    }

    private static string Clip(ReadOnlySpan<byte> utf8)
    {
        var text = Encoding.UTF8.GetString(utf8);
        return text.Length <= 40 ? text : $"{text[..40]}…";
    }

    public void Dispose() => _csv.Dispose();
}
