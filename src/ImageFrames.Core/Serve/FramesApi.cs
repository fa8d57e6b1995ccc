using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using ImageFrames.Configuration;
using ImageFrames.Ingest;
using ImageFrames.Parse;
using ImageFrames.Query;
using ImageFrames.Render;
using ImageFrames.Store;
using Microsoft.AspNetCore.Http;

namespace ImageFrames.Serve;

/// <summary>
/// What each HTTP route answers, written against plain query collections and streams so the function classes
/// only adapt triggers to it. Reads go store → render → cache; every bad parameter is a 400 problem.
/// </summary>
public sealed class FramesApi(FrameStore store, IngestService ingest, ResponseCache cache, RenderGate renders, FramesOptions options, BlobServiceClient? blobs = null,
    AdminLockout? lockout = null)
{
    private readonly VisibleVersions _versions = new(store);

    /// <summary>Which other origins' pages may read the public routes (FRAMES_CORS_ORIGINS).</summary>
    public CorsPolicy Cors { get; } = CorsPolicy.Parse(options.CorsOrigins);

    /// <summary>Each client's token bucket for the public routes (FRAMES_RATE_LIMIT; off at 0).</summary>
    public ClientRateLimiter RateLimiter { get; } = new(options);

    /// <summary>Each client's allowance of wrong admin tokens.</summary>
    private readonly AdminLockout _lockout = lockout ?? new AdminLockout();
    private readonly PictureNormalizer _normalizer = new(store);

    public const int DefaultLimit = 100, MaxLimit = 1000, MaxOffset = 100_000_000, MaxHeight = 20_000;

    // ---- health and metadata ----------------------------------------------------------------------------

    public async Task<ApiResponse> HealthAsync(CancellationToken ct)
    {
        int datasets;
        try
        {
            datasets = store.CountDatasets();
        }
        catch (Exception e) when (FrameStore.IsDatabaseFailure(e) || e is IOException or UnauthorizedAccessException)
        {
            // The drivers' own messages name no secrets (SQLite: no paths; Npgsql: host and user, never the
            // password); file-system messages name paths, so only their kind is reported.
            var reason = FrameStore.IsDatabaseFailure(e) ? e.Message : e.GetType().Name;
            return ApiResponse.Json(new { status = "unhealthy", version = Api.Version, store = store.Kind, database = $"error: {reason}", failing = "database" }, 503)
                with { CacheControl = "no-store" };
        }
        var storage = "not configured";
        if (blobs is not null)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await blobs.GetBlobContainerClient(options.InputContainer).ExistsAsync(timeout.Token);
                storage = "ok";
            }
            catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException)
            {
                storage = "unreachable";
            }
        }
        return ApiResponse.Json(new { status = "healthy", version = Api.Version, store = store.Kind, database = "ok", storage, datasets }) with { CacheControl = "no-store" };
    }

    public ApiResponse Datasets() => ApiResponse.Json(new { datasets = store.ListDatasets() });

    public ApiResponse Dataset(string id) =>
        !DatasetId.TryNormalize(id, out var normalized) ? InvalidDataset(id)
        : store.FindDataset(normalized) is { } dataset ? ApiResponse.Json(dataset) with { ETag = $"\"{dataset.Id}-v{dataset.Version}\"" }
        : UnknownDataset(id);

    // ---- frames -----------------------------------------------------------------------------------------

    public ApiResponse Frames(IQueryCollection query)
    {
        var q = new QueryReader(query);
        var datasetText = q.String("dataset");
        var range = ReadRange(q);
        var limit = q.Int("limit", DefaultLimit, 1, MaxLimit);
        var offset = q.Int("offset", 0, 0, MaxOffset);
        var mapText = q.String("colormap");
        var rescale = ReadRescale(q);
        var map = mapText is null ? null : ResolveMap(q, mapText);
        if (q.Error is { } error) return ApiResponse.BadParameter(error.Parameter, error.Detail);

        // One statement finds the visible version (the cache key) and the window's bounds in it; a miss then reads
        // that version's rows, so an answer always matches its key and ETag. Should another instance replace and
        // purge the version in between, locate again.
        for (var attempt = 1; ; attempt++)
        {
            if (LocateDataset(datasetText, range, fresh: attempt > 1) is not { } location) return MissingDataset(datasetText);
            var dataset = location.Dataset;
            var key = $"frames|{dataset.Id}|{dataset.Version}|{range.Min:R}|{range.Max:R}|{limit}|{offset}|{mapText}|{rescale}";
            var response = cache.GetOrAdd(dataset.Id, key, () =>
            {
                if (store.ReadLocated(location, limit, offset) is not { } window) return VersionGone;
                var page = new FramesJson.Page(range, limit, offset, map?.Name, map is null ? null : options.TableFor(dataset, map.Table(rescale)));
                return FramesJson.Answer(window, page, cache.MaxEntryBytes) with { ETag = ETagFor(key) };
            });
            if (!ReferenceEquals(response, VersionGone)) return response;
            if (attempt == 3) return ApiResponse.Problem(503, "Dataset changing", $"dataset '{dataset.Id}' was replaced three times while being read; retry") with
                { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } };
        }
    }

    /// <summary>Marks a read of a version that was replaced meanwhile (never cached: not a 200).</summary>
    private static readonly ApiResponse VersionGone = new(409, "application/json", []);

    public ApiResponse FramesImage(IQueryCollection query)
    {
        var q = new QueryReader(query);
        var datasetText = q.String("dataset");
        var range = ReadRange(q);
        var mapText = q.String("colormap") ?? ColorMaps.DefaultName;
        var map = ResolveMap(q, mapText);
        var rescale = ReadRescale(q);
        var format = q.Enum("format", ImageFormat.Png);
        var normalize = q.Enum("normalize", PictureNormalization.None);
        var windowText = q.String("window");
        var dynamicWindow = q.Double("window");
        if (windowText is not null && normalize != PictureNormalization.Dynamic) q.Reject("window", "'window' is the depth window of normalize=dynamic; add normalize=dynamic or omit it");
        else if (dynamicWindow is <= 0 or > PictureNormalizer.MaxWindow) q.Reject("window", $"'window' must be a depth span above 0 and at most {PictureNormalizer.MaxWindow} (in the dataset's depth unit), got {dynamicWindow:R}");
        var height = q.String("height") is null ? (int?)null : q.Int("height", 0, 1, MaxHeight);
        var formatLimit = FrameRenderer.MaxHeight(format);
        if (height > formatLimit)
            q.Reject("height", $"'height' must be at most {formatLimit} for format={format.ToString().ToLowerInvariant()} (the format's own limit), got {height}");
        if (q.Error is { } error) return ApiResponse.BadParameter(error.Parameter, error.Detail);
        if (ResolveDataset(datasetText) is not { } dataset) return MissingDataset(datasetText);

        var halfWindow = PictureNormalizer.HalfWindow(dataset, dynamicWindow);
        string KeyOf(long version) => $"image|{dataset.Id}|{version}|{range.Min:R}|{range.Max:R}|{mapText}|{rescale}|{format}|{height}|{normalize}|{halfWindow:R}";
        var key = KeyOf(dataset.Version);
        return cache.GetOrAdd(dataset.Id, key, () => renders.Run(() =>
        {
            var table = options.TableFor(dataset, map!.Table(rescale));
            if (normalize == PictureNormalization.Static) table = _normalizer.Static(dataset, table);
            var maxRows = MaxRows(dataset);
            if (format == ImageFormat.Png && height is null && (normalize != PictureNormalization.Dynamic || PictureNormalizer.Streams(dataset, halfWindow, cache.MaxEntryBytes)))
            {
                // The common picture goes from the database into the PNG encoder a chunk of rows at a time (a dynamic
                // one through the equaliser, which holds one depth window of rows: at most a cache entry's bytes, else
                // it is drawn whole below). One the cache could not keep is written to the response as it is encoded —
                // not here, holding a render slot and the whole answer, but while it is sent, from this snapshot; a
                // smaller one is drawn whole and cached.
                return AnswerFrom(dataset.Id, range, frames =>
                {
                    if (Refusal(frames.Total, frames.Dataset) is { } refused) return refused;
                    IEnumerable<FrameWindow> Rows() => normalize == PictureNormalization.Dynamic ? PictureNormalizer.Dynamic(frames, halfWindow, maxRows * 4) : frames.Pages();
                    var width = frames.Dataset.Width;
                    if ((long)frames.Total * (width + 1) <= cache.MaxEntryBytes)
                    {
                        var (png, first, last) = FrameRenderer.RenderPng(Rows(), width, frames.Total, table);
                        return Picture(png, first, last, frames.Total);
                    }
                    // Headers precede the body: the bounds come from the depths of the chunks holding them.
                    var (firstDepth, lastDepth) = frames.DepthBounds();
                    return Picture([], firstDepth, lastDepth, frames.Total) with
                    {
                        ETag = ETagFor(KeyOf(frames.Dataset.Version)),
                        BodyWriter = (output, ct) => FrameRenderer.WritePngAsync(Rows(), width, frames.Total, table, output, ct),
                        Owned = frames,
                    };
                });
            }
            if (height is { } h)
            {
                // Resampled pictures read the coarsest overview level with at least h rows in the window, so a
                // zoomed-out view of a long log reads about as many rows as it shows; the budget counts rows read.
                if (store.ReadForHeight(dataset.Id, range, h, maxRows) is not var (overview, level, baseRows)) return UnknownDataset(dataset.Id);
                return Refusal(overview.Total, overview.Dataset)
                       ?? Picture(FrameRenderer.Render(Normalized(overview, level), table, format, h), overview.Depths[0], overview.Depths[^1], baseRows, level);
            }
            var window = store.ReadFrames(dataset.Id, range, maxRows, 0, maxTotal: maxRows);
            if (window is null) return UnknownDataset(dataset.Id);
            return Refusal(window.Total, window.Dataset)
                   ?? Picture(FrameRenderer.Render(Normalized(window, 0), table, format), window.Depths[0], window.Depths[^1], window.Count);

            FrameWindow Normalized(FrameWindow shown, int level) =>
                normalize == PictureNormalization.Dynamic ? _normalizer.Dynamic(shown, level, halfWindow, maxRows * 4) : shown;

            ApiResponse? Refusal(int rows, DatasetInfo version)
            {
                if (rows > maxRows) return OverBudget(rows, version);
                if (height is null && rows > formatLimit)
                    return ApiResponse.Problem(400, "Depth window too tall for the format",
                        $"the window holds {rows:N0} rows, but a {format.ToString().ToUpperInvariant()} picture is at most {formatLimit} pixels tall; " +
                        $"narrow depth_min..depth_max, pass height={formatLimit} or less to resample, or use format=png",
                        ("parameter", "depth_min"), ("rows", rows), ("max_rows", formatLimit));
                if (rows == 0)
                    return EmptyWindow(version, range);
                return null;
            }

            // X-Frame-Count counts the window's frames; X-Overview-Level says which level a resampled picture was drawn from.
            ApiResponse Picture(byte[] bytes, double first, double last, int rows, int level = 0) =>
                new(200, FrameRenderer.ContentType(format), bytes, new Dictionary<string, string>
                {
                    ["X-Depth-Min"] = first.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    ["X-Depth-Max"] = last.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    ["X-Frame-Count"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["X-Overview-Level"] = level.ToString(System.Globalization.CultureInfo.InvariantCulture),
                }) { ETag = ETagFor(key) };
        }));
    }

    // ---- statistics -------------------------------------------------------------------------------------

    public const int MaxBins = 1000, MaxPercentiles = 20;

    /// <summary>Statistics of a depth window (<see cref="WindowStatistics"/>): in greys, and for datasets with
    /// physical values (DLIS, LAS) in values with their unit. Exact: every stored row of the window is counted.</summary>
    public ApiResponse Statistics(IQueryCollection query)
    {
        var q = new QueryReader(query);
        var datasetText = q.String("dataset");
        var range = ReadRange(q);
        var bins = q.Int("bins", 10, 1, MaxBins);
        var percentilesText = q.String("percentiles") ?? "2,98";
        var percentiles = ReadPercentiles(q, percentilesText);
        if (q.Error is { } error) return ApiResponse.BadParameter(error.Parameter, error.Detail);
        if (ResolveDataset(datasetText) is not { } dataset) return MissingDataset(datasetText);

        var key = $"statistics|{dataset.Id}|{dataset.Version}|{range.Min:R}|{range.Max:R}|{bins}|{string.Join(',', percentiles)}";
        return cache.GetOrAdd(dataset.Id, key, () => renders.Run(() =>
        {
            using var frames = store.StreamFrames(dataset.Id, range);
            if (frames is null) return UnknownDataset(dataset.Id);
            var version = frames.Dataset;
            if (frames.Total == 0)
                return EmptyWindow(version, range);
            var statistics = new WindowStatistics();
            var (first, last) = (double.NaN, double.NaN);
            foreach (var page in frames.Pages())
            {
                if (double.IsNaN(first)) first = page.Depths[0];
                last = page.Depths[^1];
                statistics.Add(page.Pixels);
            }
            var values = DatasetValues.Of(version);
            return ApiResponse.Json(json =>
            {
                json.WriteStartObject();
                json.WriteString("dataset", version.Id);
                json.WriteNumber("version", version.Version);
                json.WriteNumber("depth_min", first);
                json.WriteNumber("depth_max", last);
                if (values is not null) json.WriteString("depth_unit", values.DepthUnit);
                json.WriteNumber("rows", frames.Total);
                json.WriteNumber("width", version.Width);
                json.WritePropertyName("greys");
                statistics.Write(json, g => values?.AbsentGrey == g ? null : g, bins, percentiles);
                if (values is not null)
                {
                    json.WritePropertyName("values");
                    statistics.Write(json, g => values.ValueOfGrey[g], bins, percentiles, values.Units);
                }
                json.WriteEndObject();
            }) with { ETag = ETagFor(key) };
        }));
    }

    private static double[] ReadPercentiles(QueryReader q, string text)
    {
        var parts = text.Split(',');
        var values = new List<double>();
        foreach (var part in parts)
        {
            if (values.Count == MaxPercentiles || !double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) || p is < 0 or > 100 || double.IsNaN(p))
            {
                q.Reject("percentiles", $"'percentiles' must be up to {MaxPercentiles} numbers from 0 to 100, comma-separated (e.g. 2,50,98), got '{QueryReader.Clip(text)}'");
                return [];
            }
            values.Add(p);
        }
        return [.. values];
    }

    // ---- arrays -----------------------------------------------------------------------------------------

    public enum ArrayFormat { Npy, Npz }

    /// <summary>
    /// A window as a NumPy array (<see cref="NumpyArrays"/>): uint8 greys, or with values=true the float32 values
    /// they stand for (NaN where absent; DLIS and LAS datasets); format=npz adds the depths. Bounded by the pixel
    /// budget of pictures, with an ETag of the version and query. An array that fits a cache entry is built whole
    /// and cached like a picture (a notebook paging through a log asks for the same windows again); a bigger one is
    /// written as the rows are read, from one snapshot, and not kept.
    /// </summary>
    public ApiResponse Array(IQueryCollection query)
    {
        var q = new QueryReader(query);
        var datasetText = q.String("dataset");
        var range = ReadRange(q);
        var valuesText = q.String("values");
        if (valuesText is not (null or "true" or "false")) q.Reject("values", $"'values' must be true or false, got '{QueryReader.Clip(valuesText)}'");
        var format = q.Enum("format", ArrayFormat.Npy);
        if (q.Error is { } error) return ApiResponse.BadParameter(error.Parameter, error.Detail);
        if (ResolveDataset(datasetText) is not { } dataset) return MissingDataset(datasetText);
        string KeyOf(long version) => $"array|{dataset.Id}|{version}|{range.Min:R}|{range.Max:R}|{valuesText == "true"}|{format}";
        return cache.GetOrAdd(dataset.Id, KeyOf(dataset.Version), () => AnswerFrom(dataset.Id, range, frames =>
        {
            var version = frames.Dataset;
            var values = valuesText == "true" ? DatasetValues.Of(version) : null;
            if (valuesText == "true" && values is null)
                return ApiResponse.BadParameter("values", $"dataset '{version.Id}' holds greys only (it came from a CSV); omit 'values' for its uint8 greys");
            if (frames.Total == 0)
                return EmptyWindow(version, range);
            if (frames.Total > MaxRows(version)) return OverBudget(frames.Total, version);
            var npz = format == ArrayFormat.Npz;
            var answer = new ApiResponse(200, "application/octet-stream", [], new Dictionary<string, string>
            {
                ["Content-Disposition"] = $"attachment; filename=\"{version.Id}.{(npz ? "npz" : "npy")}\"",
                ["X-Frame-Count"] = frames.Total.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }) { ETag = ETagFor(KeyOf(version.Version)) };
            return NumpyArrays.Bytes(frames.Total, version.Width, values is not null, npz) <= cache.MaxEntryBytes
                ? answer with { Body = NumpyArrays.ToArray(frames, values, npz) }
                : answer with { BodyWriter = (output, ct) => NumpyArrays.WriteAsync(output, frames, values, npz, ct), Owned = frames };
        }));
    }

    /// <summary>The answer <paramref name="answer"/> makes from a snapshot of a dataset's window (404 for an unknown
    /// dataset); the snapshot is released here unless the answer owns it — a body written as it is sent.</summary>
    private ApiResponse AnswerFrom(string datasetId, DepthRange range, Func<FrameStream, ApiResponse> answer)
    {
        if (store.StreamFrames(datasetId, range) is not { } frames) return UnknownDataset(datasetId);
        ApiResponse? response = null;
        try
        {
            return response = answer(frames);
        }
        finally
        {
            if (!ReferenceEquals(response?.Owned, frames)) frames.Dispose();
        }
    }

    // ---- curves -----------------------------------------------------------------------------------------

    /// <summary>Rows of curves one answer holds at most: a whole long log's curves at a few values a row.</summary>
    public const int MaxCurveRows = 200_000;

    /// <summary>The 1-D curves kept with a DLIS or LAS dataset (gamma ray, caliper …) in a depth window: the depths,
    /// then each curve's values in its unit, null where absent. CSV datasets have none.</summary>
    public ApiResponse Curves(string id, IQueryCollection query)
    {
        var q = new QueryReader(query);
        var range = ReadRange(q);
        if (q.Error is { } error) return ApiResponse.BadParameter(error.Parameter, error.Detail);
        if (!DatasetId.TryNormalize(id, out var normalized)) return InvalidDataset(id);
        if (store.ReadCurves(normalized, range, MaxCurveRows, d => DatasetValues.Of(d)?.Curves.Count ?? 0) is not { } window) return UnknownDataset(id);
        if (window.Total > MaxCurveRows)
            return ApiResponse.Problem(400, "Depth window too large",
                $"the window holds {window.Total:N0} rows of curves, above the {MaxCurveRows:N0} one answer holds; narrow depth_min..depth_max",
                ("parameter", "depth_min"), ("rows", window.Total), ("max_rows", MaxCurveRows));
        return CurvesJson.Answer(window, DatasetValues.Of(window.Dataset), cache.MaxEntryBytes) with
            { ETag = ETagFor($"curves|{window.Dataset.Id}|{window.Dataset.Version}|{range.Min:R}|{range.Max:R}") };
    }

    // ---- colour maps ------------------------------------------------------------------------------------

    public ApiResponse ColorMapList() =>
        ApiResponse.Json(new { @default = ColorMaps.DefaultName, colormaps = ColorMaps.Named.Values.Select(Describe) }) with { ETag = $"\"colormaps-{Api.Version}\"" };

    public ApiResponse ColorMap(string name, IQueryCollection query)
    {
        var q = new QueryReader(query);
        var format = q.String("format") ?? "json";
        if (format is not ("json" or "png")) q.Reject("format", $"'format' must be json or png, got '{QueryReader.Clip(format)}'");
        var map = ResolveMap(q, name);
        if (q.Error is { } error) return ApiResponse.Problem(error.Parameter == "colormap" ? 404 : 400, "Unknown colour map", error.Detail, ("parameter", error.Parameter));
        return format == "png"
            ? new ApiResponse(200, "image/png", FrameRenderer.Legend(map!.Table(null))) { ETag = ETagFor($"legend|{name}|{Api.Version}") }
            : ApiResponse.Json(Describe(map!)) with { ETag = ETagFor($"map|{name}|{Api.Version}") };
    }

    private static object Describe(ColorMap map) =>
        new { name = map.Name, stops = map.Stops.Select(s => new { value = s.Value, color = s.Hex }) };

    public ApiResponse CacheStatistics() => ApiResponse.Json(cache.Stats()) with { CacheControl = "no-store" };

    // ---- admin ------------------------------------------------------------------------------------------

    /// <summary>Null when the caller may act; otherwise the refusal. The token is compared in constant time
    /// (over SHA-256 digests, so not even its length leaks) and only ever read from the header; a client that
    /// sent too many wrong ones is refused before its token is looked at (<see cref="AdminLockout"/>).</summary>
    public ApiResponse? Authorize(HttpRequest request)
    {
        if (string.IsNullOrEmpty(options.AdminToken))
            return ApiResponse.Problem(403, "Admin disabled", "admin routes are disabled: no ADMIN_TOKEN is configured");
        var client = RateLimiter.ClientOf(request);
        if (_lockout.Refusal(client) is { } lockedOut) return lockedOut;
        if (GivenToken(request.Headers) is not { } given)
            return ApiResponse.Problem(401, "Admin token required", "send the admin token in the X-Admin-Token header (or as Authorization: Bearer)");
        var match = CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(options.AdminToken)));
        if (match) return null;
        _lockout.Failed(client);
        return ApiResponse.Problem(401, "Admin token rejected", "the X-Admin-Token header does not match");
    }

    /// <summary>The one token the request sends: X-Admin-Token, or a bearer token (what a Prometheus scrape can
    /// send); none when missing, empty or sent more than once.</summary>
    private static string? GivenToken(IHeaderDictionary headers)
    {
        var header = headers["X-Admin-Token"];
        if (header.Count > 0) return header.Count == 1 && !string.IsNullOrEmpty(header[0]) ? header[0] : null;
        var authorization = headers.Authorization;
        return authorization.Count == 1 && authorization[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && value.Length > 7 ? value[7..].Trim() : null;
    }

    public async Task<ApiResponse> IngestAsync(string id, Stream body, CancellationToken ct)
    {
        if (!DatasetId.TryNormalize(id, out var normalized)) return InvalidDataset(id);
        IngestResult result;
        try
        {
            result = await ingest.IngestAsync(body, normalized, $"http/{normalized}", ct: ct);
        }
        catch (IngestFailedException e)
        {
            return ApiResponse.Problem(503, "Ingest failed", e.Message);
        }
        return result.Status == IngestStatus.Rejected
            ? ApiResponse.Problem(400, "File rejected", result.Error!, ("dataset", normalized))
            : ApiResponse.Json(new
            {
                dataset = result.DatasetId, status = result.Status.ToString().ToLowerInvariant(), rows = result.Rows,
                skipped_rows = result.SkippedRows, bytes = result.Bytes, sha256 = result.Sha256, elapsed_ms = Math.Round(result.Elapsed.TotalMilliseconds, 1),
            }, result.Status == IngestStatus.Succeeded ? 201 : 200) with { CacheControl = "no-store" };
    }

    public ApiResponse Delete(string id)
    {
        if (!DatasetId.TryNormalize(id, out var normalized)) return InvalidDataset(id);
        return store.DeleteDataset(normalized) ? new ApiResponse(204, "application/json", []) { CacheControl = "no-store" } : UnknownDataset(id);
    }

    public ApiResponse ClearCache()
    {
        cache.Clear();
        return new ApiResponse(204, "application/json", []) { CacheControl = "no-store" };
    }

    // ---- shared pieces ----------------------------------------------------------------------------------

    internal static DepthRange ReadRange(QueryReader q)
    {
        var range = new DepthRange(q.Double("depth_min"), q.Double("depth_max"));
        if (range is { Min: { } lo, Max: { } hi } && lo > hi)
            q.Reject("depth_min", $"depth_min ({lo:R}) must not be above depth_max ({hi:R})");
        return range;
    }

    private static Rescale? ReadRescale(QueryReader q)
    {
        var text = q.String("rescale");
        if (text is null) return null;
        var parts = text.Split(',');
        if (parts.Length == 2 && byte.TryParse(parts[0], System.Globalization.NumberStyles.None, null, out var lo)
            && byte.TryParse(parts[1], System.Globalization.NumberStyles.None, null, out var hi) && lo < hi)
            return new Rescale(lo, hi);
        q.Reject("rescale", $"'rescale' must be LO,HI with whole numbers 0 <= LO < HI <= 255 (e.g. 13,237), got '{QueryReader.Clip(text)}'");
        return null;
    }

    private static ColorMap? ResolveMap(QueryReader q, string text)
    {
        if (Render.ColorMaps.TryResolve(text, out var map, out var error)) return map;
        q.Reject("colormap", error!);
        return null;
    }

    /// <summary>Like <see cref="ResolveDataset"/>, with where the range lies in the dataset's visible version
    /// (<paramref name="fresh"/>: asked of the database even while the remembered answer holds).</summary>
    private DatasetLocation? LocateDataset(string? text, DepthRange range, bool fresh = false) =>
        _versions.Get($"locate|{text}|{range.Min:R}|{range.Max:R}", () =>
        {
            if (text is null)
            {
                var all = store.ListDatasets();
                return all.Count == 1 ? store.Locate(all[0].Id, range) : null;
            }
            return DatasetId.TryNormalize(text, out var id) ? store.Locate(id, range) : null;
        }, fresh);

    private DatasetInfo? ResolveDataset(string? text) =>
        _versions.Get($"resolve|{text}", () =>
        {
            if (text is null)
            {
                var all = store.ListDatasets();
                return all.Count == 1 ? all[0] : null;
            }
            return DatasetId.TryNormalize(text, out var id) ? store.FindDataset(id) : null;
        });

    private ApiResponse MissingDataset(string? text)
    {
        if (text is not null) return DatasetId.TryNormalize(text, out _) ? UnknownDataset(text) : InvalidDataset(text);
        var ids = store.ListDatasets().Select(d => d.Id).ToArray();
        return ids.Length == 0
            ? ApiResponse.Problem(404, "No datasets", "no dataset has been ingested yet", ("datasets", ids))
            : ApiResponse.Problem(400, "Invalid query parameter", $"'dataset' is required when there is more than one dataset; one of: {string.Join(", ", ids)}",
                ("parameter", "dataset"), ("datasets", ids));
    }

    private ApiResponse UnknownDataset(string id)
    {
        var ids = store.ListDatasets().Select(d => d.Id).ToArray();
        return ApiResponse.Problem(404, "Unknown dataset", $"no dataset '{QueryReader.Clip(id)}'; available: {(ids.Length == 0 ? "none yet" : string.Join(", ", ids))}",
            ("datasets", ids));
    }

    private static ApiResponse InvalidDataset(string id) =>
        ApiResponse.BadParameter("dataset", $"'{QueryReader.Clip(id)}' is not a dataset id: expected 1-64 characters of a-z, 0-9, '_' or '-', starting with a letter or digit");

    /// <summary>Rows of <paramref name="version"/> a picture or an array may hold: FRAMES_MAX_IMAGE_PIXELS over its width.</summary>
    private int MaxRows(DatasetInfo version) => (int)Math.Min(int.MaxValue, options.MaxImagePixels / version.Width);

    private ApiResponse OverBudget(int rows, DatasetInfo version) =>
        ApiResponse.Problem(400, "Depth window too large",
            $"the window holds {rows:N0} rows × {version.Width} px = {(long)rows * version.Width:N0} pixels, above the budget of " +
            $"{options.MaxImagePixels:N0} (FRAMES_MAX_IMAGE_PIXELS); narrow depth_min..depth_max to at most {MaxRows(version):N0} rows",
            ("parameter", "depth_min"), ("rows", rows), ("max_rows", MaxRows(version)));

    private static ApiResponse EmptyWindow(DatasetInfo version, DepthRange range) =>
        ApiResponse.Problem(404, "No frames in window",
            $"dataset '{version.Id}' has no frames {range.Between}; it spans {version.DepthMin:R}..{version.DepthMax:R}");

    private static string ETagFor(string key) => $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 12))}\"";
}
