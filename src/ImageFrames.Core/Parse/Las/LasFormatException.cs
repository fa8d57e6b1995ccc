namespace ImageFrames.Parse.Las;

/// <summary>The text is not a LAS file this reader can read: the message names the line (and the column, or the
/// curve, where there is one) and what was expected.</summary>
public sealed class LasFormatException(int line, string detail, int? column = null)
    : LogFormatException(column is { } c ? $"line {line}, column {c}: {detail}" : $"line {line}: {detail}")
{
    /// <summary>The 1-based line of the file.</summary>
    public int Line { get; } = line;

    /// <summary>What was wrong, without the position.</summary>
    public string Detail { get; } = detail;
}
