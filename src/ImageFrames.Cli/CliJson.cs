using System.Globalization;
using System.Text.Json;

namespace ImageFrames.Cli;

/// <summary>How the command line writes JSON and depths: the API's snake_case names, depths exactly as stored.</summary>
public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Depth(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
