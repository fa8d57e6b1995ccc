using System.Text.Json;
using ImageFrames.Store;

namespace ImageFrames.Interpret;

/// <summary>
/// Reads one pick from a request's JSON, in any of its three forms — the true attitude <c>{depth, dip, azimuth}</c>,
/// a trace <c>{depth, amplitude, phase}</c>, or points on a trace <c>{points: [[depth, azimuth], …]}</c> (≥ 3; fitted
/// by least squares, the residual kept) — plus <c>kind</c> and the optional <c>label</c>, <c>confidence</c>
/// (0–1) and <c>source</c> (manual, auto). A trace needs the hole's diameter in the depth unit; the hole is taken
/// as vertical (no deviation curves are read yet). Every refusal names the field, with the pick's place.
/// </summary>
public static class PickInput
{
    public static readonly string[] Kinds = ["bed", "fracture-open", "fracture-closed", "fault", "breakout", "other"];
    public static readonly string[] Sources = ["manual", "auto"];

    public sealed record Refusal(string Field, string Detail);

    /// <param name="item">the pick's JSON object</param>
    /// <param name="at">its place in the request, for messages (<c>picks[2]</c>)</param>
    /// <param name="diameter">the hole's diameter in the depth unit, when the request gave one</param>
    /// <param name="depths">the dataset's depth range: a pick must lie in it</param>
    public static (NewPick? Pick, Refusal? Refusal) Read(JsonElement item, string at, double? diameter, (double Min, double Max) depths)
    {
        if (item.ValueKind != JsonValueKind.Object) return Refuse(at, "a pick is a JSON object");
        foreach (var property in item.EnumerateObject())
            if (!Known.Contains(property.Name)) return Refuse($"{at}.{property.Name}", $"is not a field of a pick; the fields are {string.Join(", ", Known)}");

        var kind = String(item, "kind");
        if (kind is null || !Kinds.Contains(kind)) return Refuse($"{at}.kind", $"must be one of {string.Join(", ", Kinds)}");
        var source = item.TryGetProperty("source", out _) ? String(item, "source") : "manual";
        if (source is null || !Sources.Contains(source)) return Refuse($"{at}.source", $"must be one of {string.Join(", ", Sources)}");
        var label = String(item, "label");
        if (item.TryGetProperty("label", out var labelElement) && (labelElement.ValueKind != JsonValueKind.String || label!.Length > 200))
            return Refuse($"{at}.label", "must be text of at most 200 characters");
        double? confidence = null;
        if (item.TryGetProperty("confidence", out _))
        {
            confidence = Number(item, "confidence");
            if (confidence is not (>= 0 and <= 1)) return Refuse($"{at}.confidence", "must be a number from 0 to 1");
        }

        double depth, dip, azimuth;
        double? residual = null;
        if (item.TryGetProperty("points", out var points))
        {
            if (points.ValueKind != JsonValueKind.Array) return Refuse($"{at}.points", "must be an array of [depth, azimuth] pairs");
            var pairs = new List<(double Depth, double Azimuth)>();
            foreach (var (point, i) in points.EnumerateArray().Select((p, i) => (p, i)))
            {
                if (point.ValueKind != JsonValueKind.Array || point.GetArrayLength() != 2 || point[0].ValueKind != JsonValueKind.Number || point[1].ValueKind != JsonValueKind.Number
                    || !double.IsFinite(point[0].GetDouble()) || point[1].GetDouble() is not (>= 0 and <= 360))
                    return Refuse($"{at}.points[{i}]", "must be [depth, azimuth] with an azimuth from 0 to 360");
                pairs.Add((point[0].GetDouble(), point[1].GetDouble()));
            }
            if (pairs.Count < 3) return Refuse($"{at}.points", $"needs at least 3 points to fit a sinusoid, got {pairs.Count}");
            if (diameter is null) return Refuse("diameter", "a pick given as points needs the hole's diameter: pass diameter (and diameter_unit)");
            SinusoidFit fit;
            try
            {
                fit = SinusoidFit.Fit(pairs);
            }
            catch (ArgumentException e)
            {
                return Refuse($"{at}.points", e.Message);
            }
            (depth, residual) = (fit.Sinusoid.Depth, fit.Residual);
            (dip, azimuth) = HoleDirection.Vertical.ToTrue(fit.Sinusoid.Apparent(diameter.Value));
        }
        else
        {
            if (Number(item, "depth") is not { } d) return Refuse($"{at}.depth", "is required: a finite number");
            depth = d;
            if (item.TryGetProperty("amplitude", out _) || item.TryGetProperty("phase", out _))
            {
                if (Number(item, "amplitude") is not (>= 0 and var amplitude)) return Refuse($"{at}.amplitude", "must be a number of at least 0, in the depth unit");
                if (Number(item, "phase") is not (>= 0 and <= 360 and var phase)) return Refuse($"{at}.phase", "must be an azimuth from 0 to 360");
                if (diameter is null) return Refuse("diameter", "a pick given as amplitude and phase needs the hole's diameter: pass diameter (and diameter_unit)");
                (dip, azimuth) = HoleDirection.Vertical.ToTrue(new Sinusoid(depth, amplitude, phase).Apparent(diameter.Value));
            }
            else
            {
                if (Number(item, "dip") is not (>= 0 and <= 90 and var givenDip)) return Refuse($"{at}.dip", "must be a number from 0 to 90 (degrees from horizontal)");
                if (Number(item, "azimuth") is not (>= 0 and <= 360 and var givenAzimuth)) return Refuse($"{at}.azimuth", "must be a number from 0 to 360 (the dip direction, clockwise from north)");
                (dip, azimuth) = (givenDip, Plane.Normalize(givenAzimuth));
            }
        }
        if (depth < depths.Min || depth > depths.Max)
            return Refuse($"{at}.depth", $"{depth} is outside the dataset's depths {depths.Min}..{depths.Max}");
        return (new NewPick(depth, dip, azimuth, kind, source, label, confidence, residual), null);
    }

    private static readonly string[] Known = ["depth", "dip", "azimuth", "amplitude", "phase", "points", "kind", "label", "confidence", "source"];

    private static (NewPick?, Refusal?) Refuse(string field, string detail) => (null, new Refusal(field, detail));

    private static string? String(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) ? number : null;
}
