using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ImageFrames.Interpret;
using ImageFrames.Parse;
using ImageFrames.Query;
using ImageFrames.Store;
using Microsoft.AspNetCore.Http;

namespace ImageFrames.Serve;

/// <summary>
/// The routes of an interpreter's picks on a dataset: add (one or many, all or none), list (JSON or CSV, by depth
/// range and kind), replace and delete one. Bodies are read by <see cref="PickInput"/>; a trace or points need the
/// hole's diameter (<c>diameter</c>, <c>diameter_unit</c> in|mm|cm|m|ft, default in) and the dataset's depth unit
/// (<c>depth_unit</c> ft|m) to turn it into the depth unit. Every bad field or parameter is a 400 naming it.
/// </summary>
public sealed class PicksApi(FrameStore store, TimeProvider time)
{
    /// <summary>Largest request body (about 10,000 picks given as true attitudes).</summary>
    public const int MaxBodyBytes = 1 << 20;

    public const int MaxPicks = 10_000;

    public async Task<ApiResponse> AddAsync(string id, Stream body, IQueryCollection query, CancellationToken ct)
    {
        if (Dataset(id) is not { } dataset) return Missing(id);
        var (diameter, _, bad) = Diameter(query, KnownUnit(dataset));
        if (bad is not null) return bad;
        var (json, unreadable) = await ReadJsonAsync(body, ct);
        if (unreadable is not null) return unreadable;
        using (json)
        {
            var root = json!.RootElement;
            var items = root.ValueKind == JsonValueKind.Array ? root
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("picks", out var list) ? list : (JsonElement?)null;
            var single = items is null;
            var elements = single ? [root] : items!.Value.ValueKind == JsonValueKind.Array ? items.Value.EnumerateArray().ToList() : null;
            if (elements is null) return Field("picks", "must be an array of picks");
            if (elements.Count is 0 or > MaxPicks) return Field("picks", $"must hold 1 to {MaxPicks:N0} picks, held {elements.Count:N0}");
            var picks = new List<NewPick>(elements.Count);
            for (var i = 0; i < elements.Count; i++)
            {
                var (pick, refusal) = PickInput.Read(elements[i], single ? "pick" : $"picks[{i}]", diameter, (dataset.DepthMin, dataset.DepthMax));
                if (refusal is not null) return Field(refusal.Field, refusal.Detail);
                picks.Add(pick!);
            }
            var stored = store.AddPicks(dataset.Id, picks, time.GetUtcNow());
            return stored is null ? Missing(id) : Answer(dataset.Id, stored, 201);
        }
    }

    public ApiResponse List(string id, IQueryCollection query)
    {
        if (Dataset(id) is not { } dataset) return Missing(id);
        var q = new QueryReader(query);
        var format = q.String("format") ?? "json";
        if (format is not ("json" or "csv")) q.Reject("format", $"'format' must be json or csv, got '{QueryReader.Clip(format)}'");
        var (picks, refusal) = Filtered(dataset, q);
        if (picks is null) return refusal!;
        if (format == "csv") return Csv(picks) with { CacheControl = "no-store" };
        // With the hole known (the dataset's curves, or the request's diameter), each pick also carries its trace as
        // the image shows it — the apparent attitude in the hole's frame and the amplitude — so a viewer can draw it.
        var (hole, _, _, bad) = DipsApi.HoleFor(store, dataset, FramesApi.ReadRange(new QueryReader(query)), query, requireDiameter: false);
        if (bad is not null) return bad;
        return Answer(dataset.Id, picks, 200, hole!.MaxDiameter is null ? null : hole);
    }

    /// <summary>A picture of the picks in a depth range (and of one kind): <paramref name="draw"/> is
    /// <see cref="PickDiagrams.Rose"/> or <see cref="PickDiagrams.Stereonet"/>; SVG, or the same drawn as a PNG.</summary>
    public ApiResponse Diagram(string id, IQueryCollection query, Func<IReadOnlyList<Pick>, string, string> draw, string what, bool png = false)
    {
        if (Dataset(id) is not { } dataset) return Missing(id);
        var q = new QueryReader(query);
        var (picks, refusal) = Filtered(dataset, q);
        if (picks is null) return refusal!;
        var kind = query["kind"].FirstOrDefault();
        var title = $"{what} of {dataset.Id}{(kind is null ? "" : $" ({kind})")}";
        var svg = draw(picks, title);
        return (png ? new ApiResponse(200, "image/png", Render.SvgPng.Render(svg)) : new ApiResponse(200, "image/svg+xml", Encoding.UTF8.GetBytes(svg)))
            with { CacheControl = "no-store" };
    }

    public async Task<ApiResponse> ReplaceAsync(string id, string pickId, Stream body, IQueryCollection query, CancellationToken ct)
    {
        if (Dataset(id) is not { } dataset) return Missing(id);
        if (!long.TryParse(pickId, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return BadPickId(pickId);
        var (diameter, _, bad) = Diameter(query, KnownUnit(dataset));
        if (bad is not null) return bad;
        var (json, unreadable) = await ReadJsonAsync(body, ct);
        if (unreadable is not null) return unreadable;
        using (json)
        {
            var (pick, refusal) = PickInput.Read(json!.RootElement, "pick", diameter, (dataset.DepthMin, dataset.DepthMax));
            if (refusal is not null) return Field(refusal.Field, refusal.Detail);
            return store.UpdatePick(dataset.Id, number, pick!) is { } updated ? Answer(dataset.Id, [updated], 200) : MissingPick(dataset.Id, pickId);
        }
    }

    public ApiResponse Delete(string id, string pickId)
    {
        if (Dataset(id) is not { } dataset) return Missing(id);
        if (!long.TryParse(pickId, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return BadPickId(pickId);
        return store.DeletePick(dataset.Id, number) ? new ApiResponse(204, "application/json", []) { CacheControl = "no-store" } : MissingPick(dataset.Id, pickId);
    }

    /// <summary>The dataset's picks the query's depth_min, depth_max and kind select; or the refusal of the first
    /// bad parameter (the query's others included).</summary>
    private (IReadOnlyList<Pick>? Picks, ApiResponse? Refusal) Filtered(DatasetInfo dataset, QueryReader q)
    {
        var range = FramesApi.ReadRange(q);
        var kind = q.String("kind");
        if (kind is not null && !PickInput.Kinds.Contains(kind)) q.Reject("kind", $"'kind' must be one of {string.Join(", ", PickInput.Kinds)}, got '{QueryReader.Clip(kind)}'");
        if (q.Error is { } error) return (null, ApiResponse.BadParameter(error.Parameter, error.Detail));
        return store.ListPicks(dataset.Id, range, kind) is { } picks ? (picks, null) : (null, Missing(dataset.Id));
    }

    /// <summary>The dataset's depth unit when its file said (DLIS, LAS): m or ft; null for CSV.</summary>
    internal static string? KnownUnit(DatasetInfo dataset) => Render.DatasetValues.Of(dataset)?.DepthUnit is { } unit && unit is "m" or "ft" ? unit : null;

    private DatasetInfo? Dataset(string id) => DatasetId.TryNormalize(id, out var normalized) ? store.FindDataset(normalized) : null;

    /// <summary>404 for a well-formed id no dataset has, 400 naming <c>dataset</c> for one that is not an id.</summary>
    internal static ApiResponse Missing(string id) => DatasetId.TryNormalize(id, out _)
        ? ApiResponse.Problem(404, "Unknown dataset", $"no dataset '{QueryReader.Clip(id)}'")
        : ApiResponse.BadParameter("dataset", $"'{QueryReader.Clip(id)}' is not a dataset id");

    private static ApiResponse MissingPick(string dataset, string pickId) =>
        ApiResponse.Problem(404, "Unknown pick", $"dataset '{dataset}' has no pick {QueryReader.Clip(pickId)}");

    private static ApiResponse BadPickId(string pickId) =>
        ApiResponse.BadParameter("pickId", $"'{QueryReader.Clip(pickId)}' is not a pick id: expected a whole number");

    private static ApiResponse Field(string field, string detail) =>
        ApiResponse.Problem(400, "Invalid pick", $"{field} {detail}", ("field", field));

    /// <summary>The hole's diameter in the depth unit when given, and the depth unit: the dataset's own
    /// (<paramref name="knownUnit"/>, DLIS and LAS) or the request's <c>depth_unit</c>; or the refusal naming the parameter.</summary>
    internal static (double? Value, string? DepthUnit, ApiResponse? Error) Diameter(IQueryCollection query, string? knownUnit = null)
    {
        var q = new QueryReader(query);
        var diameter = q.Double("diameter");
        var unit = q.String("diameter_unit") ?? "in";
        var depthUnit = q.String("depth_unit");
        if (q.Error is { } error) return (null, null, ApiResponse.BadParameter(error.Parameter, error.Detail));
        if (depthUnit is not null && depthUnit is not ("ft" or "m"))
            return (null, null, ApiResponse.BadParameter("depth_unit", $"'depth_unit' must be ft or m, got '{QueryReader.Clip(depthUnit)}'"));
        if (knownUnit is not null && depthUnit is not null && depthUnit != knownUnit)
            return (null, null, ApiResponse.BadParameter("depth_unit", $"'depth_unit' is {depthUnit}, but the dataset's depths are in {knownUnit}; omit it"));
        depthUnit ??= knownUnit;
        if (diameter is null) return (null, depthUnit, null);
        if (diameter <= 0) return (null, null, ApiResponse.BadParameter("diameter", $"'diameter' must be above 0, got {diameter}"));
        if (!MetresPer.TryGetValue(unit, out var unitMetres))
            return (null, null, ApiResponse.BadParameter("diameter_unit", $"'diameter_unit' must be one of {string.Join(", ", MetresPer.Keys)}, got '{QueryReader.Clip(unit)}'"));
        if (depthUnit is null)
            return (null, null, ApiResponse.BadParameter("depth_unit", "'depth_unit' (ft or m) is required with a diameter: the dataset does not say which unit its depths are in"));
        return (diameter.Value * unitMetres / MetresPer[depthUnit], depthUnit, null);
    }

    private static readonly Dictionary<string, double> MetresPer = new() { ["in"] = 0.0254, ["mm"] = 0.001, ["cm"] = 0.01, ["m"] = 1, ["ft"] = 0.3048 };

    private static async Task<(JsonDocument? Json, ApiResponse? Refusal)> ReadJsonAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 << 10];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return (null, Field("body", $"is larger than {MaxBodyBytes:N0} bytes; send the picks in parts"));
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return (JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)), null);
        }
        catch (JsonException e)
        {
            return (null, Field("body", $"is not JSON: {e.Message}"));
        }
    }

    /// <summary>Picks as the routes answer them; with a <paramref name="hole"/> that gives a diameter, each also with its
    /// trace as the image shows it (apparent attitude in the hole's frame at its depth, amplitude in the depth unit).</summary>
    internal static ApiResponse Answer(string dataset, IReadOnlyList<Pick> picks, int status, HoleLog? hole = null) =>
        ApiResponse.Json(new { dataset, picks = picks.Select(p => PickJson.Of(p, hole)) }, status) with { CacheControl = "no-store" };

    private sealed record PickJson(long Id, double Depth, double Dip, double Azimuth, string Kind, string Source, string? Label, double? Confidence,
        double? Residual, DateTimeOffset CreatedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ApparentDip,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ApparentAzimuth,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Amplitude)
    {
        public static PickJson Of(Pick p, HoleLog? hole)
        {
            var apparent = hole?.Direction(p.Depth).ToApparent(new Plane(p.Dip, p.Azimuth));
            double? amplitude = apparent is { Dip: < 90 } a ? Sinusoid.Of(p.Depth, a, hole!.Diameter(p.Depth) ?? hole.MaxDiameter!.Value).Amplitude : null;
            return new PickJson(p.Id, p.Depth, p.Dip, p.Azimuth, p.Kind, p.Source, p.Label, p.Confidence, p.Residual, p.CreatedAt,
                apparent?.Dip, apparent?.Azimuth, amplitude);
        }
    }

    private static ApiResponse Csv(IReadOnlyList<Pick> picks)
    {
        var csv = new StringBuilder("id,depth,dip,azimuth,kind,source,label,confidence,residual,created_at\n");
        foreach (var p in picks)
            csv.Append(CultureInfo.InvariantCulture, $"{p.Id},{p.Depth:R},{p.Dip:R},{p.Azimuth:R},{p.Kind},{p.Source},{Quoted(p.Label)},{p.Confidence:R},{p.Residual:R},{p.CreatedAt:O}\n");
        return new ApiResponse(200, "text/csv; charset=utf-8", Encoding.UTF8.GetBytes(csv.ToString()));
    }

    private static string Quoted(string? text) => text is null ? "" : "\"" + text.Replace("\"", "\"\"") + "\"";
}
