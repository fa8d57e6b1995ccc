namespace ImageFrames.Parse;

/// <summary>The input cannot become a dataset. Not transient: retrying the same bytes fails the same way.</summary>
public sealed class CsvRejectedException(string message, int? line = null, int? column = null, string? columnName = null)
    : Exception(Format(message, line, column, columnName))
{
    // Columns are 1-based cell positions: column 1 is the depth.
    private static string Format(string message, int? line, int? column, string? columnName) =>
        (line, column) switch
        {
            (int l, int c) when columnName is not null => $"line {l}, column {c} ('{columnName}'): {message}",
            (int l, int c) => $"line {l}, column {c}: {message}",
            (int l, null) => $"line {l}: {message}",
            _ => message,
        };
}
