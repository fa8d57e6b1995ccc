using System.Globalization;
using System.Text;
using ImageFrames.Resize;
using nietras.SeparatedValues;

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
    // Sep does the tokenising (quotes, CRLF, BOM via the StreamReader); it is several times faster than
    // CsvHelper on 200-column numeric rows, and ingest is bound by this loop (see bench/README numbers).
    private static readonly SepReaderOptions SepOptions =
        Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = true, DisableColCountCheck = true });

    private readonly SepReader _sep;
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

    private CsvFrameReader(SepReader sep, string[] columnNames, int targetWidth, Resampler resampler, CsvLimits limits)
    {
        _sep = sep;
        _columnNames = columnNames;
        _sourceRow = new byte[columnNames.Length - 1];
        _resizer = RowResizer.For(_sourceRow.Length, targetWidth, resampler);
        _limits = limits;
    }

    public static async Task<CsvFrameReader> OpenAsync(Stream csv, int targetWidth, Resampler resampler, CsvLimits limits, CancellationToken ct)
    {
        var text = new StreamReader(csv, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var sep = await SepOptions.FromAsync(text, ct).ConfigureAwait(false);
        try
        {
            if (!await sep.MoveNextAsync(ct).ConfigureAwait(false))
                throw new CsvRejectedException("the file is empty: expected a header line 'depth,<pixel columns…>' and data rows");
            if (IsBlank(sep.Current))
            {
                var onlyBlank = true;
                while (onlyBlank && await sep.MoveNextAsync(ct).ConfigureAwait(false)) onlyBlank = IsBlank(sep.Current);
                throw onlyBlank
                    ? new CsvRejectedException("the file is empty: expected a header line 'depth,<pixel columns…>' and data rows")
                    : new CsvRejectedException("expected a header line 'depth,<pixel columns…>', found an empty line", 1);
            }
            var names = ReadHeader(sep.Current, limits);
            return new CsvFrameReader(sep, names, targetWidth, resampler, limits);
        }
        catch
        {
            sep.Dispose();
            throw;
        }
    }

    private static string[] ReadHeader(SepReader.Row header, CsvLimits limits)
    {
        const int line = 1; // the header is the file's first line by definition: anything else is rejected here
        var first = header[0].Span.Trim();
        if (!first.Equals("depth", StringComparison.OrdinalIgnoreCase))
        {
            var hint = double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? " — the file seems to have no header line, and its first row must not be lost" : "";
            throw new CsvRejectedException($"expected a header whose first cell is 'depth', found '{Clip(first)}'{hint}", line, 1);
        }
        if (header.ColCount < 2)
            throw new CsvRejectedException("expected at least one pixel column after 'depth' in the header", line);
        if (header.ColCount - 1 > limits.MaxColumns)
            throw new CsvRejectedException($"the header has {header.ColCount - 1:N0} pixel columns, more than the {limits.MaxColumns:N0} allowed (FRAMES_MAX_COLUMNS)", line);
        var names = new string[header.ColCount];
        for (var c = 0; c < names.Length; c++) names[c] = header[c].ToString();
        return names;
    }

    /// <summary>Fills <paramref name="batch"/> with the next rows; false once the file is exhausted and nothing was read.</summary>
    public async ValueTask<bool> FillAsync(FrameBatch batch, CancellationToken ct)
    {
        batch.Count = 0;
        while (!batch.IsFull && await _sep.MoveNextAsync(ct).ConfigureAwait(false))
            ReadRow(_sep.Current, batch);
        return batch.Count > 0;
    }

    /// <summary>Call after the last batch: a header with no rows is not a dataset.</summary>
    public void EnsureRows()
    {
        if (Rows == 0) throw new CsvRejectedException("the file has a header but no data rows");
    }

    private void ReadRow(SepReader.Row row, FrameBatch batch)
    {
        var line = row.LineNumberFrom;
        if (row[0].Span.IsEmpty && IsBlank(row))
        {
            SkippedRows++;
            return;
        }
        if (row.ColCount != _columnNames.Length)
            throw new CsvRejectedException(
                $"expected {_columnNames.Length} cells (depth + {SourceWidth} pixel values, as in the header), found {row.ColCount}", line);
        if (Rows == _limits.MaxRows)
            throw new CsvRejectedException($"more than {_limits.MaxRows:N0} data rows (FRAMES_MAX_ROWS)", line);

        var depthText = row[0].Span;
        if (!double.TryParse(depthText, NumberStyles.Float, CultureInfo.InvariantCulture, out var depth) || !double.IsFinite(depth))
            throw new CsvRejectedException($"expected a finite decimal depth, found '{Clip(depthText)}'", line, 1, _columnNames[0]);

        var source = _sourceRow.AsSpan();
        for (var c = 0; c < source.Length; c++)
        {
            var cell = row[c + 1].Span;
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

    /// <summary>Plain 1-3 digit integers take the fast path; anything else (spaces, "12.0") the exact slow one.</summary>
    internal static bool TryParseGrey(ReadOnlySpan<char> cell, out byte value)
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

    private static bool TryParseGreySlow(ReadOnlySpan<char> cell, out byte value)
    {
        value = 0;
        if (!decimal.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            || d != decimal.Truncate(d) || d < 0 || d > 255) return false;
        value = (byte)d;
        return true;
    }

    private static bool IsBlank(SepReader.Row row)
    {
        for (var c = 0; c < row.ColCount; c++)
            if (!row[c].Span.IsWhiteSpace()) return false;
        return true;
    }

    private static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : $"{text[..40]}…";

    public void Dispose() => _sep.Dispose();
}
