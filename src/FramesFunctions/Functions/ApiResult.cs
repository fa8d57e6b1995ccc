using ImageFrames.Serve;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ImageFrames.Functions;

/// <summary>Sends an <see cref="ApiResponse"/>: request id, nosniff, ETag with If-None-Match → 304.</summary>
public sealed class ApiResult(ApiResponse response) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        try
        {
            await SendAsync(context.HttpContext);
        }
        finally
        {
            response.Owned?.Dispose();
        }
    }

    private async Task SendAsync(HttpContext http)
    {
        var request = http.Request;
        var headers = http.Response.Headers;
        headers["X-Request-ID"] = RequestId(http);
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.CacheControl] = response.CacheControl;
        if (response.Headers is not null)
            foreach (var (name, value) in response.Headers) headers[name] = value;
        // Routes that know their version (frames, images, dataset) set the ETag; any other successful GET
        // (health, lists, stats) gets one from its body, so every GET can be revalidated.
        var etag = response.ETag ?? (HttpMethods.IsGet(request.Method) && response.Status == StatusCodes.Status200OK ? BodyTag(response.Body) : null);
        // A gzip form is another representation: its own tag, and caches told the answer depends on Accept-Encoding.
        var gzipped = response.Gzipped is not null && AcceptsGzip(request) ? response.Gzipped.Value : null;
        if (response.Gzipped is not null) headers.Append(HeaderNames.Vary, HeaderNames.AcceptEncoding);
        if (gzipped is not null && etag is not null) etag = etag[..^1] + "-gzip\"";
        if (etag is not null)
        {
            headers[HeaderNames.ETag] = etag;
            if (HttpMethods.IsGet(request.Method) && Matches(request.Headers.IfNoneMatch, etag))
            {
                http.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }
        http.Response.StatusCode = response.Status;
        if (response.Status == StatusCodes.Status204NoContent) return;
        http.Response.ContentType = response.ContentType;
        if (response.BodyWriter is { } write)
        {
            await write(http.Response.Body, http.RequestAborted);
            return;
        }
        if (gzipped is not null) headers.ContentEncoding = "gzip";
        var body = gzipped ?? response.Body;
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    /// <summary>Whether the request's Accept-Encoding allows gzip (or anything: <c>*</c>) with a quality above zero.</summary>
    public static bool AcceptsGzip(HttpRequest request) =>
        request.GetTypedHeaders().AcceptEncoding.Any(e => e.Value is { } v && (v.Equals("gzip", StringComparison.OrdinalIgnoreCase) || v == "*") && (e.Quality ?? 1) > 0);

    private static string BodyTag(byte[] body) =>
        $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body).AsSpan(0, 12))}\"";

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 §13.1.2): <c>W/"x"</c> matches <c>"x"</c>; a list
    /// matches when any member does; <c>*</c> matches anything; a malformed header matches nothing.</summary>
    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag) =>
        EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)
        && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(EntityTagHeaderValue.Parse(etag), useStrongComparison: false));

    private const string RequestIdItem = "ImageFrames.RequestId";

    /// <summary>This request's id, chosen once and kept on the context so the log line and the response header
    /// agree: the caller's X-Request-ID when it is a sane token, else a new one.</summary>
    public static string RequestId(HttpContext http)
    {
        if (http.Items[RequestIdItem] is string known) return known;
        var given = http.Request.Headers["X-Request-ID"].ToString();
        var id = given.Length is > 0 and <= 128 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? given
            : Guid.NewGuid().ToString("N");
        http.Items[RequestIdItem] = id;
        return id;
    }
}
