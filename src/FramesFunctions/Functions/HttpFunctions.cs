using ImageFrames.Configuration;
using ImageFrames.Serve;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Functions;

/// <summary>The public read routes: each one only hands its request to <see cref="FramesApi"/>.</summary>
public sealed class HttpFunctions(FramesApi api, FramesMetrics metrics, ILogger<HttpFunctions> logger)
{
    /// <summary>A public read: rate-limited per client at <paramref name="cost"/> tokens, answered with its CORS headers.</summary>
    private IActionResult Read(HttpRequest req, Func<ApiResponse> handle, int cost = ClientRateLimiter.LightCost, [CallerMemberName] string route = "") =>
        Guard.Run(api.Cors, api.RateLimiter, cost, metrics, logger, req, handle, route);

    [Function("Health")]
    public Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req) =>
        Guard.RunAsync(api.Cors, metrics, logger, req, () => api.HealthAsync(req.HttpContext.RequestAborted));

    [Function("ListDatasets")]
    public IActionResult ListDatasets([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets")] HttpRequest req) =>
        Read(req, api.Datasets);

    [Function("GetDataset")]
    public IActionResult GetDataset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/{id}")] HttpRequest req, string id) =>
        Read(req, () => api.Dataset(id));

    [Function("GetCurves")]
    public IActionResult GetCurves([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "datasets/{id}/curves")] HttpRequest req, string id) =>
        Read(req, () => api.Curves(id, req.Query));

    [Function("GetFrames")]
    public IActionResult GetFrames([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "frames")] HttpRequest req) =>
        Read(req, () => api.Frames(req.Query));

    [Function("GetStatistics")]
    public IActionResult GetStatistics([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "frames/statistics")] HttpRequest req) =>
        Read(req, () => api.Statistics(req.Query), ClientRateLimiter.HeavyCost);

    [Function("GetArray")]
    public IActionResult GetArray([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "frames/array")] HttpRequest req) =>
        Read(req, () => api.Array(req.Query), ClientRateLimiter.HeavyCost);

    [Function("GetFramesImage")]
    public IActionResult GetFramesImage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "frames/image")] HttpRequest req) =>
        Read(req, () => api.FramesImage(req.Query), ClientRateLimiter.HeavyCost);

    [Function("ListColormaps")]
    public IActionResult ListColormaps([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "colormaps")] HttpRequest req) =>
        Read(req, api.ColorMapList);

    [Function("GetColormap")]
    public IActionResult GetColormap([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "colormaps/{name}")] HttpRequest req, string name) =>
        Read(req, () => api.ColorMap(name, req.Query));

    [Function("CacheStats")]
    public IActionResult CacheStats([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cache/stats")] HttpRequest req) =>
        Read(req, api.CacheStatistics);

    [Function("OpenApi")]
    public IActionResult OpenApi([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest req) =>
        Read(req, () => Docs.OpenApi);

    [Function("Docs")]
    public IActionResult DocsPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest req) =>
        Read(req, () => Docs.Page);

    [Function("Viewer")]
    public IActionResult Viewer([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "viewer")] HttpRequest req) =>
        Read(req, () => Docs.Viewer);

    /// <summary>Preflights of other origins' pages (<see cref="CorsPolicy"/>): permission to GET and HEAD for an
    /// allowed origin, nothing for admin methods.</summary>
    [Function("Preflight")]
    public IActionResult Preflight([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "{*path}")] HttpRequest req, string? path) =>
        new ApiResult(api.Cors.Preflight(req.Headers.Origin, req.Headers.AccessControlRequestMethod));

    [Function("DocsAsset")]
    public IActionResult DocsAsset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs/{asset}")] HttpRequest req, string asset) =>
        Read(req, () => Docs.Asset(asset, ApiResult.AcceptsGzip(req)));
}

/// <summary>Admin routes: a Functions key (AuthorizationLevel.Function) and the X-Admin-Token header.</summary>
public sealed class AdminFunctions(FramesApi api, FramesOptions options, FramesMetrics metrics, ILogger<AdminFunctions> logger)
{
    [Function("IngestDataset")]
    public Task<IActionResult> IngestDataset([HttpTrigger(AuthorizationLevel.Function, "post", Route = "datasets/{id}")] HttpRequest req, string id) =>
        Guard.RunAsync(metrics, logger, req, () =>
        {
            if (api.Authorize(req) is { } refusal) return Task.FromResult(refusal);
            // The worker's Kestrel stops bodies at 30 MB by default; CSVs may be far larger, and the ingest
            // enforces FRAMES_MAX_CSV_BYTES itself while it streams.
            if (req.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = options.MaxCsvBytes;
            return api.IngestAsync(id, req.Body, req.HttpContext.RequestAborted);
        });

    [Function("DeleteDataset")]
    public IActionResult DeleteDataset([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "datasets/{id}")] HttpRequest req, string id) =>
        Guard.Run(metrics, logger, req, () => api.Authorize(req) ?? api.Delete(id));

    [Function("ClearCache")]
    public IActionResult ClearCache([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "cache")] HttpRequest req) =>
        Guard.Run(metrics, logger, req, () => api.Authorize(req) ?? api.ClearCache());
}

/// <summary>The last line of defence: a fault becomes a problem body without internals, logged with the request id.</summary>
internal static class Guard
{
    /// <summary>What proxies log for a request its client gave up on: counted apart from the server's own failures.</summary>
    private const int ClientClosedRequest = 499;

    // Each entry point takes its route's name from its caller (the function method), for the metrics' route tag.
    public static IActionResult Run(FramesMetrics metrics, ILogger logger, HttpRequest req, Func<ApiResponse> handle, [CallerMemberName] string route = "") =>
        RunAsync(null, metrics, logger, req, () => Task.FromResult(handle()), route: route).GetAwaiter().GetResult();

    /// <summary>A public read: admitted by the client's rate limit first (a refusal is a 429 problem), and its
    /// answer carries the CORS headers its origin is allowed.</summary>
    public static IActionResult Run(CorsPolicy cors, ClientRateLimiter? limiter, int cost, FramesMetrics metrics, ILogger logger, HttpRequest req, Func<ApiResponse> handle,
        [CallerMemberName] string route = "") =>
        RunAsync(cors, metrics, logger, req, () => Task.FromResult(handle()), limiter, cost, route).GetAwaiter().GetResult();

    public static Task<IActionResult> RunAsync(FramesMetrics metrics, ILogger logger, HttpRequest req, Func<Task<ApiResponse>> handle, [CallerMemberName] string route = "") =>
        RunAsync(null, metrics, logger, req, handle, route: route);

    public static async Task<IActionResult> RunAsync(CorsPolicy? cors, FramesMetrics metrics, ILogger logger, HttpRequest req, Func<Task<ApiResponse>> handle,
        ClientRateLimiter? limiter = null, int cost = ClientRateLimiter.LightCost, [CallerMemberName] string route = "")
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var status = 500;
        try
        {
            var refused = limiter?.Admit(req, cost);
            if (refused is not null) metrics.RateLimited.Add(1);
            var response = refused ?? await handle();
            status = response.Status;
            return new ApiResult(cors is null ? response : cors.ForRead(response, req.Headers.Origin));
        }
        catch (OperationCanceledException)
        {
            status = ClientClosedRequest;
            throw;
        }
        catch (Exception e)
        {
            var id = ApiResult.RequestId(req.HttpContext);
            var unavailable = ImageFrames.Store.FrameStore.IsDatabaseFailure(e) || e is IOException;
            if (unavailable) metrics.StoreErrors.Add(1);
            status = unavailable ? 503 : 500;
            logger.LogError(e, "Request {RequestId} {Method} {Path} failed", id, req.Method, req.Path);
            return new ApiResult(ApiResponse.Problem(status, unavailable ? "Service unavailable" : "Internal error",
                $"the request could not be completed; quote request id {id} when reporting it"));
        }
        finally
        {
            // Tagged by the function's name and the status: paths carry client-chosen ids, which would make the tag set unbounded.
            metrics.RequestDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("status", status));
        }
    }
}
