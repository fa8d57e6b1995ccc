using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ImageFrames.Parse;

/// <summary>A dataset's name: lower-case <c>[a-z0-9][a-z0-9_-]{0,63}</c>, derived from a file or blob name.
/// The pattern is also what keeps ids from escaping their namespace (no dots, slashes or look-alikes).</summary>
public static partial class DatasetId
{
    public const string Pattern = "^[a-z0-9][a-z0-9_-]{0,63}$";

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Valid();

    public static bool TryNormalize(string? candidate, [NotNullWhen(true)] out string? id)
    {
        id = candidate?.ToLowerInvariant();
        if (id is not null && Valid().IsMatch(id)) return true;
        id = null;
        return false;
    }

    /// <summary>The id for a file or blob: its last path segment without the extension.</summary>
    public static string FromFileName(string fileName)
    {
        var last = fileName.Replace('\\', '/').Split('/')[^1];
        var stem = last.Contains('.') ? last[..last.LastIndexOf('.')] : last;
        return TryNormalize(stem, out var id) ? id : throw Invalid(stem, fileName);
    }

    public static string Require(string candidate) =>
        TryNormalize(candidate, out var id) ? id : throw Invalid(candidate, null);

    private static CsvRejectedException Invalid(string candidate, string? fileName) =>
        new($"dataset id '{candidate}'{(fileName is null ? "" : $" (from '{fileName}')")} is not valid: expected 1-64 characters " +
            "of a-z, 0-9, '_' or '-', starting with a letter or digit (upper case is folded to lower case)");
}
