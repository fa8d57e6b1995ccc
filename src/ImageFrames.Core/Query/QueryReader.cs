using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ImageFrames.Query;

/// <summary>
/// Reads query parameters strictly: each at most once, numbers finite and in range. The first problem is kept
/// (as a 400 naming the parameter and the accepted form) and later reads return defaults, so a handler reads
/// everything, then checks <see cref="Error"/> once.
/// </summary>
public sealed class QueryReader(IQueryCollection query)
{
    public (string Parameter, string Detail)? Error { get; private set; }

    private void Fail(string parameter, string detail) => Error ??= (parameter, detail);

    public string? String(string name)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0) return null;
        if (values.Count > 1)
        {
            Fail(name, $"'{name}' was given {values.Count} times; give it once");
            return null;
        }
        var value = values[0];
        if (string.IsNullOrEmpty(value))
        {
            Fail(name, $"'{name}' is empty; omit it or give a value");
            return null;
        }
        return value;
    }

    public double? Double(string name)
    {
        var text = String(name);
        if (text is null) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)) return value;
        Fail(name, $"'{name}' must be a finite decimal number such as 9100 or -12.5, got '{Clip(text)}'");
        return null;
    }

    public int Int(string name, int fallback, int min, int max)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        Fail(name, $"'{name}' must be a whole number from {min} to {max}, got '{Clip(text)}'");
        return fallback;
    }

    public T Enum<T>(string name, T fallback) where T : struct, Enum
    {
        var text = String(name);
        if (text is null) return fallback;
        if (System.Enum.TryParse<T>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !char.IsDigit(text[0])) return value;
        Fail(name, $"'{name}' must be one of {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, got '{Clip(text)}'");
        return fallback;
    }

    /// <summary>Records a problem found by the caller's own check (e.g. depth_min above depth_max).</summary>
    public void Reject(string parameter, string detail) => Fail(parameter, detail);

    public static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
