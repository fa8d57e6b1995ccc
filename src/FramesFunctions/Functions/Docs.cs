using System.IO.Compression;
using ImageFrames.Serve;
using Microsoft.Net.Http.Headers;

namespace ImageFrames.Functions;

/// <summary>
/// The OpenAPI document and Swagger UI over it, and the log viewer. The page and its initializer ship inside this assembly; the
/// Swagger UI assets are the ones the Swashbuckle.AspNetCore.SwaggerUI package embeds (gzip-compressed), served
/// as they are to clients that accept gzip — every browser — and inflated for the others. Using the package
/// keeps the UI a maintained dependency with a version, instead of a copy of its files in this repository.
/// </summary>
public static class Docs
{
    private const string SwaggerUiPrefix = "Swashbuckle.AspNetCore.SwaggerUI.node_modules.swagger_ui_dist.";
    private static readonly string SwaggerUiVersion =
        typeof(Swashbuckle.AspNetCore.SwaggerUI.SwaggerUIOptions).Assembly.GetName().Version?.ToString() ?? "0";

    public static ApiResponse OpenApi { get; } = new(200, "application/json", Resource("openapi.json")) { ETag = $"\"openapi-{Api.Version}\"" };
    public static ApiResponse Page { get; } = new(200, "text/html; charset=utf-8", Resource("docs.html")) { ETag = $"\"docs-{Api.Version}\"" };

    /// <summary>The log viewer: one self-contained page over the public routes (datasets, frames, frames/image, colormaps).</summary>
    public static ApiResponse Viewer { get; } = new(200, "text/html; charset=utf-8", Resource("viewer.html")) { ETag = $"\"viewer-{Api.Version}\"" };

    /// <summary>The files docs.html loads: name → content type and their gzip-encoded bytes, read on first use.</summary>
    private static readonly Dictionary<string, (string ContentType, Lazy<byte[]> Gzipped)> Assets = new(StringComparer.Ordinal)
    {
        ["swagger-ui.css"] = ("text/css; charset=utf-8", new(() => SwaggerUi("swagger-ui.css"))),
        ["swagger-ui-bundle.js"] = ("text/javascript; charset=utf-8", new(() => SwaggerUi("swagger-ui-bundle.js"))),
        ["swagger-ui-standalone-preset.js"] = ("text/javascript; charset=utf-8", new(() => SwaggerUi("swagger-ui-standalone-preset.js"))),
        ["initializer.js"] = ("text/javascript; charset=utf-8", new(() => ApiResponse.Gzip(Resource("docs-initializer.js")))),
    };

    /// <summary>One of the page's assets, gzip-encoded when <paramref name="acceptsGzip"/>; 404 for anything else.</summary>
    public static ApiResponse Asset(string name, bool acceptsGzip)
    {
        if (!Assets.TryGetValue(name, out var asset))
            return ApiResponse.Problem(404, "Unknown asset", $"no docs asset '{Query.QueryReader.Clip(name)}'; the page loads {string.Join(", ", Assets.Keys)}");
        var gzipped = asset.Gzipped.Value;
        return new ApiResponse(200, asset.ContentType, acceptsGzip ? gzipped : Gunzip(gzipped),
            acceptsGzip ? new Dictionary<string, string> { [HeaderNames.ContentEncoding] = "gzip", [HeaderNames.Vary] = HeaderNames.AcceptEncoding } : null)
        {
            ETag = $"\"docs-{name}-{SwaggerUiVersion}-{Api.Version}{(acceptsGzip ? "-gz" : "")}\"",
            CacheControl = "public, max-age=86400",
        };
    }

    private static byte[] SwaggerUi(string file)
    {
        using var stream = typeof(Swashbuckle.AspNetCore.SwaggerUI.SwaggerUIOptions).Assembly.GetManifestResourceStream(SwaggerUiPrefix + file)
                           ?? throw new InvalidOperationException($"the Swagger UI package no longer embeds {file}");
        return ReadAll(stream);
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(Docs).Assembly.GetManifestResourceStream(name)!;
        return ReadAll(stream);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static byte[] Gunzip(byte[] gzipped)
    {
        using var gzip = new GZipStream(new MemoryStream(gzipped), CompressionMode.Decompress);
        return ReadAll(gzip);
    }
}
