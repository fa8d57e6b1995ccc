using System.Diagnostics;
using ImageFrames.Ingest;

namespace ImageFrames.Cli;

/// <summary>
/// Ingest progress on standard error, on a clock rather than per batch (so a stalled input still shows where it
/// stopped): on a terminal one line rewritten in place ten times a second (bytes, rows, rows/s and, when the
/// size is known, percentage and time left); elsewhere (a log file, a pipe, CI) a plain line once a second
/// while anything changed, so short ingests print nothing and long ones leave a readable trail.
/// Hand-written rather than Spectre.Console: one line of text does not earn a rendering library.
/// </summary>
public sealed class IngestProgressLine : IProgress<IngestProgress>, IDisposable
{
    private readonly CliConsole _console;
    private readonly long? _totalBytes;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private IngestProgress? _latest, _shown;

    public IngestProgressLine(CliConsole console, long? totalBytes)
    {
        (_console, _totalBytes) = (console, totalBytes);
        var interval = console.IsTerminal ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1);
        _timer = new Timer(_ => Show(), null, interval, interval);
    }

    public void Report(IngestProgress value)
    {
        lock (_gate) _latest = value;
    }

    private void Show()
    {
        lock (_gate)
        {
            if (_latest is not { } latest || latest == _shown) return;
            _shown = latest;
            var line = Describe(latest, _clock.Elapsed, _totalBytes);
            if (_console.IsTerminal) _console.Error.Write($"\r{line}\u001b[K"); // erase what a longer previous line left
            else _console.Error.WriteLine(line);
        }
    }

    /// <summary>Stops the clock; on a terminal, ends the progress line so the summary starts on a line of its own.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
            if (_console.IsTerminal && _shown is not null) _console.Error.WriteLine();
    }

    public static string Describe(IngestProgress value, TimeSpan elapsed, long? totalBytes)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        var counts = $"{value.Rows:N0} rows, {value.Rows / seconds:N0} rows/s";
        if (totalBytes is not > 0) return $"{value.Bytes / 1e6:N1} MB, {counts}";
        var fraction = Math.Clamp((double)value.Bytes / totalBytes.Value, 0, 1);
        var left = fraction > 0 ? $", {TimeSpan.FromSeconds(seconds * (1 - fraction) / fraction):m\\:ss} left" : "";
        return $"{fraction * 100:F0}% of {totalBytes / 1e6:N1} MB, {counts}{left}";
    }
}
