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
        var http = context.HttpContext;
        var request = http.Request;
        var headers = http.Response.Headers;
        headers["X-Request-ID"] = RequestId(request);
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.CacheControl] = response.CacheControl;
        if (response.Headers is not null)
            foreach (var (name, value) in response.Headers) headers[name] = value;
        // Routes that know their version (frames, images, dataset) set the ETag; any other successful GET
        // (health, lists, stats) gets one from its body, so every GET can be revalidated.
        var etag = response.ETag ?? (HttpMethods.IsGet(request.Method) && response.Status == StatusCodes.Status200OK ? BodyTag(response.Body) : null);
        if (etag is not null)
        {
            headers[HeaderNames.ETag] = etag;
            if (HttpMethods.IsGet(request.Method) && request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*")))
            {
                http.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }
        http.Response.StatusCode = response.Status;
        if (response.Status == StatusCodes.Status204NoContent) return;
        http.Response.ContentType = response.ContentType;
        http.Response.ContentLength = response.Body.Length;
        await http.Response.Body.WriteAsync(response.Body, http.RequestAborted);
    }

    private static string BodyTag(byte[] body) =>
        $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body).AsSpan(0, 12))}\"";

    /// <summary>The caller's X-Request-ID when it is a sane token, else a new one, so logs can be correlated.</summary>
    public static string RequestId(HttpRequest request)
    {
        var given = request.Headers["X-Request-ID"].ToString();
        return given.Length is > 0 and <= 128 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? given
            : Guid.NewGuid().ToString("N");
    }
}
