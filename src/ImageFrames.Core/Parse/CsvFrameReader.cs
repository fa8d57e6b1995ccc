using System.Globalization;
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
    // empty lines come through so they can be counted, and broken quoting is an error, not a guess.
    private static readonly CsvReaderOptions Options = new()
    {
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
            var hint = double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
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
    /// depth cell is parsed on its own), instead of a field lookup per cell: reading the raw record costs half
    /// of reading its 201 field spans, and the 1M-row CLI ingest went 2.81–2.97 s → 2.72–2.81 s (interleaved
    /// runs). Anything else takes the per-cell path, so its results and its errors are the only ones seen.
    /// </summary>
    private static bool TryParsePlainGreys(ReadOnlySpan<byte> raw, Span<byte> greys)
    {
        var at = raw.IndexOf((byte)',');
        if (at < 0 || raw.IndexOf((byte)'"') >= 0) return false;
        var c = 0;
        int value = 0, digits = 0;
        for (at++; at < raw.Length; at++)
        {
            var digit = raw[at] - '0';
            if ((uint)digit <= 9u)
            {
                value = value * 10 + digit;
                if (++digits > 3) return false;
                continue;
            }
            if (raw[at] != ',' || digits == 0 || value > 255 || c == greys.Length) return false;
            greys[c++] = (byte)value;
            (value, digits) = (0, 0);
        }
        if (digits == 0 || value > 255 || c != greys.Length - 1) return false;
        greys[c] = (byte)value;
        return true;
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
