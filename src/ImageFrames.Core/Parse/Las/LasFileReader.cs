using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace ImageFrames.Parse.Las;

/// <summary>
/// Reads a LAS 1.2 or 2.0 file (CWLS Log ASCII Standard) as a stream, in two layers: the header sections up to
/// ~A (<see cref="OpenAsync"/>, <see cref="LasHeader"/>), then the data section a depth step at a time
/// (<see cref="NextRowAsync"/>), never holding more than a line (a depth step, when wrapped). What lasio accepts
/// is the reference: sections by their first letter in any case, '#' comment lines anywhere, header lines split at
/// the first period, the first space and the last colon, values equal to ~Well NULL read as absent, and WRAP YES
/// with a depth step's values running over several lines. Anything else is rejected naming the line.
/// </summary>
public sealed class LasFileReader : IAsyncDisposable
{
    /// <summary>A longer line is not LAS (or is not text): 1 MiB holds a depth step of 50,000 values.</summary>
    private const int MaxLineBytes = 1 << 20;

    private readonly PipeReader _pipe;
    private ReadOnlySequence<byte> _buffer;
    private bool _read, _completed, _exhausted;
    private byte[] _lineCopy = [];

    private LasFileReader(Stream input, LasHeader header)
    {
        _pipe = PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 1 << 16, leaveOpen: true));
        Header = header;
    }

    public LasHeader Header { get; }

    /// <summary>The 1-based number of the last line read.</summary>
    public int Line { get; private set; }

    /// <summary>Reads the header sections, stopping at the line that opens ~A.</summary>
    public static async Task<LasFileReader> OpenAsync(Stream input, CancellationToken ct = default)
    {
        var reader = new LasFileReader(input, new LasHeader());
        try
        {
            await reader.ReadHeaderAsync(ct).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ReadHeaderAsync(CancellationToken ct)
    {
        List<LasHeaderItem>? section = null;
        var sawSection = false;
        while (await NextLineAsync(ct).ConfigureAwait(false) is { } bytes)
        {
            var text = Encoding.UTF8.GetString(bytes.Span).Trim();
            if (text.Length == 0 || text[0] == '#') continue;
            if (text[0] == '~')
            {
                var letter = text.Length > 1 ? char.ToUpperInvariant(text[1]) : ' ';
                if (!sawSection && letter != 'V')
                    throw new LasFormatException(Line, $"the first section is '{Clip(text)}'; a LAS file starts with ~VERSION");
                sawSection = true;
                if (letter == 'A')
                {
                    CheckHeader();
                    return;
                }
                section = letter switch { 'V' => Header.Version, 'W' => Header.Well, 'C' => Header.Curves, 'P' => Header.Parameters, _ => null };
                continue;
            }
            if (!sawSection)
                throw new LasFormatException(Line, $"expected a LAS file's first section, ~VERSION, found '{Clip(text)}'");
            if (section is null) continue; // ~Other, or a section LAS 2.0 does not define: free text
            section.Add(LasHeaderItem.Parse(text, Line)
                ?? throw new LasFormatException(Line, $"expected a header line 'MNEMONIC.UNIT VALUE : DESCRIPTION', found '{Clip(text)}'"));
        }
        throw new LasFormatException(Line, sawSection ? "the file ends before its data section, ~A" : "the file is empty; expected a LAS file starting with ~VERSION");
    }

    private void CheckHeader()
    {
        var version = Header.VersionNumber;
        if (version is null || !(version.StartsWith("1.2", StringComparison.Ordinal) || version.StartsWith("2.", StringComparison.Ordinal) || version == "2"))
            throw new LasFormatException(Line, $"~VERSION says VERS {version ?? "(missing)"}; this reader reads LAS 1.2 and 2.0 (export LAS 2.0)");
        if (Header.Curves.Count < 2)
            throw new LasFormatException(Line, $"~CURVE lists {Header.Curves.Count} curve(s); needed: an index (depth) and at least one more");
    }

    /// <summary>The depth step read last: one value per curve, NaN where absent; valid until the next <see cref="NextRowAsync"/>.</summary>
    public ReadOnlySpan<double> Values => _row;

    /// <summary>The line the depth step read last starts on.</summary>
    public int RowLine { get; private set; }

    private double[] _row = [];

    /// <summary>
    /// Reads the next depth step of ~A; false after the last. Values equal to the NULL value are NaN. Unwrapped,
    /// each line is one depth step with exactly one value per curve; wrapped (WRAP YES), a depth step's values run
    /// over lines until every curve has one, and the next step starts on a new line.
    /// </summary>
    public async ValueTask<bool> NextRowAsync(CancellationToken ct = default)
    {
        var curves = Header.Curves.Count;
        if (_row.Length != curves) _row = new double[curves];
        var row = _row;
        var (filled, wrapped, absent) = (0, Header.Wrapped, Header.Null);
        while (await NextLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            var span = line.Span;
            var start = 0;
            while (start < span.Length && span[start] is (byte)' ' or (byte)'\t') start++;
            if (start == span.Length || span[start] == (byte)'#') continue;
            if (span[start] == (byte)'~')
                throw new LasFormatException(Line, "a section after ~A; the data section must be the file's last");
            if (filled == 0) RowLine = Line;
            var column = 0;
            for (var at = start; at < span.Length;)
            {
                while (at < span.Length && span[at] is (byte)' ' or (byte)'\t') at++;
                if (at == span.Length) break;
                var end = at;
                while (end < span.Length && span[end] is not ((byte)' ' or (byte)'\t')) end++;
                column++;
                if (filled == curves)
                    throw new LasFormatException(Line, wrapped
                        ? $"a depth step's {curves} values end within the line; with WRAP YES each depth step starts on a new line"
                        : $"more values than the {curves} curves of ~CURVE (WRAP NO: one line per depth step)", column);
                var token = span[at..end];
                if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw new LasFormatException(Line, $"'{Clip(Encoding.UTF8.GetString(token))}' is not a number (curve {Header.Curves[filled].Mnemonic})", column);
                row[filled++] = value == absent ? double.NaN : value;
                at = end;
            }
            if (filled == curves) return true;
            if (!wrapped)
                throw new LasFormatException(Line, $"{filled} values, expected {curves} (one per curve of ~CURVE; WRAP NO: one line per depth step)");
        }
        if (filled > 0)
            throw new LasFormatException(Line, $"the data end within a depth step (line {RowLine}): {filled} of its {curves} values");
        return false;
    }

    /// <summary>The next line without its end (\n, \r\n), or null at the end of the input.</summary>
    private async ValueTask<ReadOnlyMemory<byte>?> NextLineAsync(CancellationToken ct)
    {
        while (true)
        {
            if (TakeLine() is { } line) return line;
            if (_exhausted) return null;
            if (_completed)
            {
                _exhausted = true;
                if (_buffer.IsEmpty) return null;
                Line++;
                return Copy(_buffer, trimReturn: true);
            }
            if (_read) _pipe.AdvanceTo(_buffer.Start, _buffer.End);
            _read = true;
            var result = await _pipe.ReadAsync(ct).ConfigureAwait(false);
            (_buffer, _completed) = (result.Buffer, result.IsCompleted);
            if (!_completed && _buffer.Length > MaxLineBytes && _buffer.PositionOf((byte)'\n') is null)
                throw new LasFormatException(Line + 1, $"longer than {MaxLineBytes:N0} bytes without a line end: not LAS text");
        }
    }

    private ReadOnlyMemory<byte>? TakeLine()
    {
        if (_buffer.PositionOf((byte)'\n') is not { } end) return null;
        var line = Copy(_buffer.Slice(0, end), trimReturn: true);
        _buffer = _buffer.Slice(_buffer.GetPosition(1, end));
        Line++;
        return line;
    }

    /// <summary>The line's bytes in one piece (copied only when they straddle the pipe's segments).</summary>
    private ReadOnlyMemory<byte> Copy(ReadOnlySequence<byte> bytes, bool trimReturn)
    {
        ReadOnlyMemory<byte> memory;
        if (bytes.IsSingleSegment) memory = bytes.First;
        else
        {
            if (_lineCopy.Length < bytes.Length) _lineCopy = new byte[Math.Max((int)bytes.Length, _lineCopy.Length * 2)];
            bytes.CopyTo(_lineCopy);
            memory = _lineCopy.AsMemory(0, (int)bytes.Length);
        }
        return trimReturn && memory.Length > 0 && memory.Span[^1] == (byte)'\r' ? memory[..^1] : memory;
    }

    private static string Clip(string text) => text.Length <= 60 ? text : text[..57] + "...";

    public async ValueTask DisposeAsync() => await _pipe.CompleteAsync().ConfigureAwait(false);
}
