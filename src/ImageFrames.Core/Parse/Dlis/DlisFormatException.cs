namespace ImageFrames.Parse.Dlis;

/// <summary>The bytes are not a DLIS file this reader can read. Not transient: the same bytes fail the same
/// way. The message names the byte offset (and the logical record where there is one) and what was expected.</summary>
public sealed class DlisFormatException(long offset, string detail, int? record = null)
    : LogFormatException(record is { } r ? $"logical record {r} at byte {offset}: {detail}" : $"byte {offset}: {detail}")
{
    /// <summary>Where in the file the problem is (for a problem inside a record's body: where the record starts).</summary>
    public long Offset { get; } = offset;

    /// <summary>The 0-based logical record it is in, where known.</summary>
    public int? Record { get; } = record;

    /// <summary>What was wrong, without the position.</summary>
    public string Detail { get; } = detail;

    /// <summary>A problem found at <see cref="Offset"/> within a record's body, placed in the file.</summary>
    internal DlisFormatException InRecord(int index, long recordOffset) =>
        Record is null ? new DlisFormatException(recordOffset, $"byte {Offset} of its body: {Detail}", index) : this;
}
