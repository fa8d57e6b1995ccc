using System.Security.Cryptography;
using System.Text;
using ImageFrames.Interpret;
using ImageFrames.Parse;
using ImageFrames.Query;
using ImageFrames.Render;
using ImageFrames.Store;
using Microsoft.AspNetCore.Http;

namespace ImageFrames.Serve;

/// <summary>
/// The automatic dip picker's routes: the planes it finds in a depth window (<see cref="DipScan"/>), cached like the
/// other answers, and <see cref="Accept"/>, which keeps them as picks. The hole's diameter comes from the dataset's
/// caliper or bit-size curve, else the request (<c>diameter</c>, <c>diameter_unit</c>); a CSV dataset's depth unit
/// from <c>depth_unit</c>. <c>sensitivity</c> is log10 of the false alarms accepted per block of rows searched (0:
/// about one from noise at most; higher finds fainter planes and more false ones).
/// </summary>
public sealed class DipsApi(FrameStore store, ResponseCache cache, RenderGate renders, TimeProvider time)
{
    /// <summary>Rows one request searches at most (about ten seconds on one core); longer logs go through <c>frames dips</c>.</summary>
    public const int MaxRows = 200_000;

    public const double MinSensitivity = -10, MaxSensitivity = 3;

    /// <summary>The detections of a window, as the route answers them.</summary>
    public sealed record Detection(DatasetInfo Dataset, string DepthUnit, HoleLog Hole, double Sensitivity, int Rows, IReadOnlyList<DetectedDip> Dips);

    public ApiResponse Dips(IQueryCollection query)
    {
        var q = new QueryReader(query);
        var datasetText = q.String("dataset");
        if (q.Error is { } error) return ApiResponse.BadParameter(error.Parameter, error.Detail);
        if (datasetText is null) return ApiResponse.BadParameter("dataset", "'dataset' is required: the id of the dataset to search");
        return Detect(datasetText, query).Answer;
    }

    /// <summary>Runs the detector on a window (the query's depth_min, depth_max, diameter, diameter_unit, depth_unit and
    /// sensitivity) and keeps what it finds, at least <c>min_score</c>, as picks of source <c>auto</c> (confidence
    /// <see cref="ConfidenceOf"/> the score): an edge as a bed, a dark line as an open fracture, a bright one as a
    /// closed fracture (the usual reading of a resistivity image; the interpreter edits what is not).</summary>
    public ApiResponse Accept(string id, IQueryCollection query)
    {
        var q = new QueryReader(query);
        var minScore = q.Double("min_score") ?? 0;
        if (q.Error is { } error) return ApiResponse.BadParameter(error.Parameter, error.Detail);
        var (answer, dataset) = Detect(id, query);
        if (answer.Status != 200) return answer;
        var picks = DipsOf(answer).Where(d => d.Score >= minScore)
            .Select(d => new NewPick(d.Depth, d.Dip, d.Azimuth, KindOf(d.Shape), "auto", Confidence: ConfidenceOf(d.Score))).ToList();
        if (picks.Count == 0) return PicksApi.Answer(dataset!.Id, [], 200);
        return store.AddPicks(dataset!.Id, picks, time.GetUtcNow()) is { } stored ? PicksApi.Answer(dataset.Id, stored, 201) : Missing(id);
    }

    /// <summary>A pick's confidence (0–1) from a detection's score: 1 − its number of false alarms (10^−score), so a
    /// plane noise would give once per block is 0 and one it would give once in a thousand 0.999.</summary>
    public static double ConfidenceOf(double score) => Math.Round(Math.Max(0, 1 - Math.Pow(10, -score)), 6);

    public static string KindOf(TraceShape shape) => shape switch
    {
        TraceShape.DarkLine => "fracture-open",
        TraceShape.BrightLine => "fracture-closed",
        _ => "bed",
    };

    /// <summary>The route's answer for the window a query names — cached per dataset version and parameters, so a
    /// repeated window costs neither the search nor the curves' read — and its dataset; or the refusal of its first
    /// bad parameter.</summary>
    private (ApiResponse Answer, DatasetInfo? Dataset) Detect(string datasetText, IQueryCollection query)
    {
        var q = new QueryReader(query);
        var range = FramesApi.ReadRange(q);
        var sensitivity = q.Double("sensitivity") ?? 0;
        if (sensitivity is < MinSensitivity or > MaxSensitivity)
            q.Reject("sensitivity", $"'sensitivity' must be {MinSensitivity} to {MaxSensitivity} (log10 of the false planes accepted per block), got {sensitivity:R}");
        if (q.Error is { } error) return (ApiResponse.BadParameter(error.Parameter, error.Detail), null);
        if (!DatasetId.TryNormalize(datasetText, out var id) || store.FindDataset(id) is not { } dataset) return (Missing(datasetText), null);
        var (diameter, depthUnit, bad) = PicksApi.Diameter(query, PicksApi.KnownUnit(dataset));
        if (bad is not null) return (bad, dataset);

        // The picker's revision too: the key is the answer's ETag, and a client revalidating an answer an earlier picker
        // gave for the same window must get today's planes, not 304.
        var key = $"dips|{DipScan.Revision}|{dataset.Id}|{dataset.Version}|{range.Min:R}|{range.Max:R}|{diameter:R}|{depthUnit}|{sensitivity:R}";
        return (cache.GetOrAdd(dataset.Id, key, () => renders.Run(() =>
        {
            var (hole, refusal) = HoleOf(store, dataset, range, diameter, depthUnit, requireDiameter: true);
            if (refusal is not null) return refusal;
            using var frames = store.StreamFrames(dataset.Id, range);
            if (frames is null) return Missing(dataset.Id);
            if (frames.Total > MaxRows)
                return ApiResponse.Problem(400, "Depth window too large",
                    $"the window holds {frames.Total:N0} rows, above the {MaxRows:N0} one request searches; narrow depth_min..depth_max or run `frames dips`",
                    ("parameter", "depth_min"), ("rows", frames.Total), ("max_rows", MaxRows));
            if (frames.Total == 0)
                return ApiResponse.Problem(404, "No frames in window", $"dataset '{dataset.Id}' has no frames {range.Between}; it spans {dataset.DepthMin:R}..{dataset.DepthMax:R}");
            var dips = new DipScan(hole!, sensitivity).Scan(frames, DatasetValues.Of(frames.Dataset)?.AbsentGrey).ToList();
            return Answer(new Detection(frames.Dataset, depthUnit ?? "", hole!, sensitivity, frames.Total, dips))
                with { ETag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 12))}\"" };
        })), dataset);
    }

    /// <summary>The hole where a window of a dataset was logged (<see cref="HoleLog"/>), the depth unit and the
    /// request's diameter (in it); or the refusal naming the parameter that is bad — or missing, when
    /// <paramref name="requireDiameter"/> and nothing gives the diameter.</summary>
    public static (HoleLog? Hole, string? DepthUnit, double? Diameter, ApiResponse? Refusal) HoleFor(FrameStore store, DatasetInfo dataset, DepthRange range,
        IQueryCollection query, bool requireDiameter = true)
    {
        var (diameter, depthUnit, bad) = PicksApi.Diameter(query, PicksApi.KnownUnit(dataset));
        if (bad is not null) return (null, null, null, bad);
        var (hole, refusal) = HoleOf(store, dataset, range, diameter, depthUnit, requireDiameter);
        return (hole, depthUnit, diameter, refusal);
    }

    /// <summary>The hole from the dataset's curves in the window (read only when the depth unit is known, to convert
    /// the caliper), else the request's diameter alone.</summary>
    private static (HoleLog? Hole, ApiResponse? Refusal) HoleOf(FrameStore store, DatasetInfo dataset, DepthRange range, double? diameter, string? depthUnit,
        bool requireDiameter)
    {
        var values = DatasetValues.Of(dataset);
        var curves = values is { Curves.Count: > 0 } && depthUnit is not null
            ? store.ReadCurves(dataset.Id, range, MaxRows * 2, d => DatasetValues.Of(d)?.Curves.Count ?? 0)
            : null;
        var hole = curves is not null ? HoleLog.From(curves, values!.Curves, depthUnit!, diameter) : HoleLog.Plain(diameter);
        if (hole.MaxDiameter is null && requireDiameter)
            return (null, ApiResponse.BadParameter("diameter",
                "'diameter' is required: the dataset has no caliper (CALI, HCAL, C1 and C2) or bit size (BS) curve to give the hole's diameter; " +
                "pass it, in inches unless diameter_unit says otherwise" + (PicksApi.KnownUnit(dataset) is null ? ", with depth_unit (ft or m)" : "")));
        return (hole, null);
    }

    /// <summary>The planes of a 200 answer of <see cref="Answer"/>, read back (a few hundred at most per window).</summary>
    private static List<DetectedDip> DipsOf(ApiResponse answer)
    {
        using var json = System.Text.Json.JsonDocument.Parse(answer.Body);
        return json.RootElement.GetProperty("dips").EnumerateArray().Select(d => new DetectedDip(
            d.GetProperty("depth").GetDouble(), d.GetProperty("dip").GetDouble(), d.GetProperty("azimuth").GetDouble(),
            d.GetProperty("apparent_dip").GetDouble(), d.GetProperty("apparent_azimuth").GetDouble(), d.GetProperty("amplitude").GetDouble(),
            d.GetProperty("score").GetDouble(), Enum.Parse<TraceShape>(d.GetProperty("trace").GetString()!.Replace("-", ""), ignoreCase: true))).ToList();
    }

    public static ApiResponse Answer(Detection detection) => ApiResponse.Json(json =>
    {
        json.WriteStartObject();
        json.WriteString("dataset", detection.Dataset.Id);
        json.WriteString("depth_unit", detection.DepthUnit);
        json.WriteString("diameter_source", detection.Hole.DiameterSource);
        json.WriteStartArray("dips");
        foreach (var d in detection.Dips)
        {
            json.WriteStartObject();
            json.WriteNumber("depth", Math.Round(d.Depth, 4));
            json.WriteNumber("dip", Math.Round(d.Dip, 2));
            json.WriteNumber("azimuth", Math.Round(d.Azimuth, 2));
            json.WriteNumber("apparent_dip", Math.Round(d.ApparentDip, 2));
            json.WriteNumber("apparent_azimuth", Math.Round(d.ApparentAzimuth, 2));
            json.WriteNumber("amplitude", Math.Round(d.Amplitude, 4));
            json.WriteNumber("score", Math.Round(d.Score, 2));
            json.WriteString("trace", TraceName(d.Shape));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("metadata");
        json.WriteNumber("version", detection.Dataset.Version);
        json.WriteNumber("rows", detection.Rows);
        json.WriteString("detector", "matched-filter search over (depth, amplitude, phase), a-contrario validation (docs/interpretation.md)");
        json.WriteNumber("sensitivity", detection.Sensitivity);
        json.WriteNumber("max_apparent_dip", DipScan.MaxApparentDip);
        json.WriteString("orientation", detection.Hole.OrientationSource);
        json.WriteString("deviation", detection.Hole.Deviated ? "DEVI+HAZI" : "vertical");
        json.WriteEndObject();
        json.WriteEndObject();
    });

    /// <summary>The detections as CSV, one plane a line.</summary>
    public static string Csv(IEnumerable<DetectedDip> dips)
    {
        var csv = new StringBuilder("depth,dip,azimuth,apparent_dip,apparent_azimuth,amplitude,score,trace\n");
        foreach (var d in dips)
            csv.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"{Math.Round(d.Depth, 4)},{Math.Round(d.Dip, 2)},{Math.Round(d.Azimuth, 2)},{Math.Round(d.ApparentDip, 2)},{Math.Round(d.ApparentAzimuth, 2)},{Math.Round(d.Amplitude, 4)},{Math.Round(d.Score, 2)},{TraceName(d.Shape)}\n");
        return csv.ToString();
    }

    public static string TraceName(TraceShape shape) => shape switch
    {
        TraceShape.DarkLine => "dark-line",
        TraceShape.BrightLine => "bright-line",
        _ => "edge",
    };

    private static ApiResponse Missing(string id) => PicksApi.Missing(id);
}
