namespace ImageFrames.Store;

/// <summary>What is known about the visible version of a dataset. <see cref="Metadata"/> is JSON for datasets
/// from files that carry more than greys (DLIS): where they came from, units, and the grey → value mapping.</summary>
public sealed record DatasetInfo(
    string Id,
    long Version,
    string SourceName,
    long SourceBytes,
    string Sha256,
    int SourceWidth,
    int Width,
    string Resampler,
    int RowCount,
    int SkippedRows,
    double DepthMin,
    double DepthMax,
    DateTimeOffset IngestedAt,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(RawJson)),
               System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Metadata = null);

/// <summary>Writes a JSON text as itself (an object in the answer, not a string holding JSON), and reads it back.</summary>
public sealed class RawJson : System.Text.Json.Serialization.JsonConverter<string?>
{
    public override string? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        reader.TokenType == System.Text.Json.JsonTokenType.Null ? null : System.Text.Json.JsonDocument.ParseValue(ref reader).RootElement.GetRawText();

    public override void Write(System.Text.Json.Utf8JsonWriter writer, string? value, System.Text.Json.JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteRawValue(value);
    }
}

public enum IngestStatus { Succeeded, Unchanged, Rejected, Failed }

/// <summary>One row of the ingestion log.</summary>
public sealed record IngestAttempt(
    long Id,
    string DatasetId,
    string Source,
    long? SourceBytes,
    string? Sha256,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    int? Rows,
    int? Skipped,
    string Status,
    string? Error);

/// <summary>The latest attempt at one source, and the failed attempts in a row up to it, newest first (empty
/// unless it failed).</summary>
public sealed record SourceHistory(IngestAttempt Latest, IReadOnlyList<IngestAttempt> ConsecutiveFailures);

/// <summary>An inclusive depth window; a null bound is open.</summary>
public readonly record struct DepthRange(double? Min, double? Max)
{
    public static DepthRange All => default;

    /// <summary>How messages name the window: "between 9100 and 9200", "(open)" for a missing bound.</summary>
    public string Between => $"between {Text(Min)} and {Text(Max)}";

    private static string Text(double? depth) => depth?.ToString("R", System.Globalization.CultureInfo.InvariantCulture) ?? "(open)";
}

/// <summary>Frames of one dataset version read in one snapshot: <see cref="Total"/> rows match the range,
/// <see cref="Count"/> of them (after offset and limit) are here, row-major in <see cref="Pixels"/>.</summary>
public sealed class FrameWindow(DatasetInfo dataset, int total, double[] depths, byte[] pixels, int count)
{
    public DatasetInfo Dataset { get; } = dataset;
    public int Total { get; } = total;
    public int Count { get; } = count;
    public int Width => Dataset.Width;
    public ReadOnlySpan<double> Depths => depths.AsSpan(0, Count);
    public ReadOnlySpan<byte> Pixels => pixels.AsSpan(0, Count * Width);
    public ReadOnlySpan<byte> Row(int index) => pixels.AsSpan(index * Width, Width);
}

/// <summary>The curves of one dataset version in a depth window: <see cref="Total"/> rows match; their depths and
/// values (row-major, <see cref="Curves"/> a row, NaN where absent) are here unless the caller's bound refused them.</summary>
public sealed record CurveWindow(DatasetInfo Dataset, int Total, int Curves, double[] Depths, double[] Values)
{
    public double Value(int row, int curve) => Values[row * Curves + curve];
}

/// <summary>The pages of one snapshot of a window (see <see cref="FrameStore.StreamFrames"/>): one per chunk,
/// trimmed to the window; read once, then dispose.</summary>
public sealed class FrameStream : IDisposable
{
    private readonly FrameStore _store;
    private readonly System.Data.Common.DbConnection _connection;
    private readonly System.Data.Common.DbTransaction _tx;
    private readonly int _start, _end;
    private (double First, double Last)? _depthBounds;

    internal FrameStream(FrameStore store, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, DatasetInfo dataset, int start, int end)
    {
        (_store, _connection, _tx, Dataset, _start, _end) = (store, connection, tx, dataset, start, end);
    }

    public DatasetInfo Dataset { get; }
    public int Total => _end - _start;

    /// <summary>The depths of the window's first and last rows, from the depths of the one or two chunks holding
    /// them (no pixels read): what a streamed answer's headers say before its body. The window must hold a row.</summary>
    public (double First, double Last) DepthBounds()
    {
        if (Total == 0) throw new InvalidOperationException("the window has no rows");
        // Asked for by the headers and again by the dynamic equaliser; the snapshot's answer cannot change.
        return _depthBounds ??= (_store.DepthOfRow(_connection, _tx, Dataset.Version, _start), _store.DepthOfRow(_connection, _tx, Dataset.Version, _end - 1));
    }

    public IEnumerable<FrameWindow> Pages() => PagesAround(0, 0);

    /// <summary>How many rows of the same version and snapshot lie within <paramref name="range"/> before the window's
    /// first row and after its last: the neighbours a computation over a depth window around each row needs.</summary>
    public (int Before, int After) RowsAround(DepthRange range)
    {
        var (start, end) = FrameStore.Locate(_connection, _tx, Dataset.Version, 0, range);
        return (Math.Max(0, _start - start), Math.Max(0, end - _end));
    }

    /// <summary>The window's pages with <paramref name="before"/> rows above it and <paramref name="after"/> below.</summary>
    public IEnumerable<FrameWindow> PagesAround(int before, int after)
    {
        var (from, to) = (_start - before, _end + after);
        if (to <= from) yield break;
        foreach (var page in _store.ReadPages(_connection, _tx, Dataset.Version, 0, from, to, Dataset.Width))
            yield return new FrameWindow(Dataset, to - from, page.Depths, page.Pixels, page.Depths.Length);
    }

    public void Dispose()
    {
        _tx.Dispose();
        _connection.Dispose();
    }
}
