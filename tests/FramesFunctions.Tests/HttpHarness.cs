using ImageFrames.Functions;
using ImageFrames.Serve;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>A real SQLite file behind the real function classes; requests are real HttpContexts whose
/// responses are executed and read back as bytes.</summary>
public sealed class HttpHarness : IDisposable
{
    public TempDatabase Db { get; }
    public ResponseCache Cache { get; }
    public FramesApi Api { get; }
    public HttpFunctions Functions { get; }
    public AdminFunctions Admin { get; }

    /// <summary>The pick and dip routes, over the same store, cache and API (admin token and rate limits).</summary>
    public PickFunctions Picks { get; }

    public HttpHarness(Action<Configuration.FramesOptions>? configure = null)
    {
        Db = new TempDatabase(configure);
        Cache = new ResponseCache(Db.Options, Db.Store);
        Api = new FramesApi(Db.Store, Db.Ingest, Cache, new RenderGate(), Db.Options);
        Functions = new HttpFunctions(Api, Db.Metrics, NullLogger<HttpFunctions>.Instance);
        Admin = new AdminFunctions(Api, Db.Options, Db.Metrics, NullLogger<AdminFunctions>.Instance);
        Picks = new PickFunctions(new PicksApi(Db.Store, TimeProvider.System), new DipsApi(Db.Store, Cache, new RenderGate(), TimeProvider.System),
            Api, Db.Metrics, NullLogger<PickFunctions>.Instance);
    }

    public static HttpRequest Request(string method = "GET", string query = "", IDictionary<string, string>? headers = null, byte[]? body = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.QueryString = new QueryString(query.Length == 0 || query.StartsWith('?') ? query : "?" + query);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) context.Request.Headers[name] = value;
        if (body is not null) context.Request.Body = new MemoryStream(body);
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    public static async Task<Response> SendAsync(HttpRequest request, IActionResult result)
    {
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        return new Response(context.Response.StatusCode, context.Response.ContentType, context.Response.Headers,
            ((MemoryStream)context.Response.Body).ToArray());
    }

    public Task<Response> GetAsync(Func<HttpFunctions, HttpRequest, IActionResult> route, string query = "", IDictionary<string, string>? headers = null)
    {
        var request = Request("GET", query, headers);
        return SendAsync(request, route(Functions, request));
    }

    public void Dispose() => Db.Dispose();

    public sealed record Response(int Status, string? ContentType, IHeaderDictionary Headers, byte[] Body)
    {
        public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;
        public string Text => System.Text.Encoding.UTF8.GetString(Body);
    }
}
