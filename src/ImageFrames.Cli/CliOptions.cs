using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using ImageFrames.Render;

namespace ImageFrames.Cli;

/// <summary>Options shared by several verbs, each parsed and range-checked while the command line is parsed,
/// so a bad value is a usage error naming the option before anything runs.</summary>
public static class CliOptions
{
    public static Option<int?> WholeNumber(string name, string description, int min, int max) => new(name)
    {
        Description = $"{description} ({min:N0}..{max:N0})",
        HelpName = "N",
        CustomParser = result => Parse(result, text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : (int?)null,
            $"a whole number from {min:N0} to {max:N0}"),
    };

    public static Option<double?> Depth(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "DEPTH",
        CustomParser = result => Parse(result, text =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : (double?)null,
            "a finite number (negative depths are fine)"),
    };

    public static Option<Rescale?> RescaleRange() => new("--rescale")
    {
        Description = "stretch grey LO..HI over the whole colour map (0 <= LO < HI <= 255)",
        HelpName = "LO,HI",
        CustomParser = result => Parse(result, text => text.Split(',') is [var a, var b]
            && byte.TryParse(a, CultureInfo.InvariantCulture, out var lo) && byte.TryParse(b, CultureInfo.InvariantCulture, out var hi) && lo < hi
            ? new Rescale(lo, hi) : (Rescale?)null, "LO,HI with 0 <= LO < HI <= 255"),
    };

    /// <summary>An absolute http(s) URL, for a custom parser: without one a malformed URL only fails when read.</summary>
    public static Uri ParseHttpUrl(ArgumentResult result)
    {
        var text = Token(result);
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
        Reject(result, "an absolute http(s) URL");
        return null!;
    }

    public static Option<bool> Json() => new("--json") { Description = "write JSON instead of a table" };

    public static Argument<string> DatasetArgument() => new("dataset") { Description = "the dataset id (see `frames datasets`)" };

    /// <summary>Tokens of the option or argument, as one value checked by <paramref name="parse"/>; a null
    /// result becomes a parse error saying what was expected and what was found.</summary>
    internal static T? Parse<T>(ArgumentResult result, Func<string, T?> parse, string expected) where T : struct
    {
        if (parse(Token(result)) is { } value) return value;
        Reject(result, expected);
        return null;
    }

    /// <summary>The single token given for an option or argument ("" when none).</summary>
    private static string Token(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : "";

    /// <summary>A parse error naming the option (or argument), what it expects and what it got.</summary>
    private static void Reject(ArgumentResult result, string expected)
    {
        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name} expects {expected}, got '{Token(result)}'");
    }

    /// <summary>Resolves a colour map name or custom stops, as a parse error naming the option when unknown.</summary>
    public static Option<ColorMap?> ColorMapOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "NAME",
        CustomParser = result =>
        {
            if (ColorMaps.TryResolve(Token(result), out var map, out var error)) return map;
            result.AddError($"{name}: {error}");
            return null;
        },
    };
}
