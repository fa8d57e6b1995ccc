using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace ImageFrames.Tests;

/// <summary>The docs page is Swagger UI: every file the page loads is served (gzip when accepted, plain
/// otherwise), and the page points Swagger UI at the app's own OpenAPI document.</summary>
public sealed class DocsTests : IDisposable
{
    private readonly HttpHarness _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task EveryFileThePageLoadsIsServed()
    {
        var page = (await _http.GetAsync((f, q) => f.DocsPage(q))).Text;
        var files = Regex.Matches(page, "(?:src|href)=\"docs/([^\"]+)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "initializer.js"], files);
        foreach (var file in files)
        {
            var gzipped = await GetAsset(file, "gzip, deflate, br");
            Assert.Equal(200, gzipped.Status);
            Assert.Equal("gzip", gzipped.Headers.ContentEncoding.ToString());
            var plain = await GetAsset(file, null);
            Assert.Equal(200, plain.Status);
            Assert.Equal("", plain.Headers.ContentEncoding.ToString());
            using var inflate = new GZipStream(new MemoryStream(gzipped.Body), CompressionMode.Decompress);
            using var inflated = new MemoryStream();
            inflate.CopyTo(inflated);
            Assert.Equal(plain.Body, inflated.ToArray());
            Assert.StartsWith(file.EndsWith(".css") ? "text/css" : "text/javascript", plain.ContentType);
        }
        Assert.Contains("SwaggerUIBundle", Encoding.UTF8.GetString((await GetAsset("swagger-ui-bundle.js", "")).Body));
        Assert.Contains("url: \"openapi.json\"", Encoding.UTF8.GetString((await GetAsset("initializer.js", "")).Body));
        Assert.Equal(200, (await GetAsset("swagger-ui.css", "gzip;q=0")).Status);
        Assert.Equal("", (await GetAsset("swagger-ui.css", "gzip;q=0")).Headers.ContentEncoding.ToString()); // refused gzip
    }

    [Fact]
    public async Task OtherNamesAre404()
    {
        foreach (var name in new[] { "index.html", "..%2Fopenapi.json", "LICENSE", "swagger-ui.js" })
            Assert.Equal(404, (await GetAsset(name, "gzip")).Status);
    }

    private Task<HttpHarness.Response> GetAsset(string name, string? acceptEncoding)
    {
        var headers = acceptEncoding is null ? null : new Dictionary<string, string> { ["Accept-Encoding"] = acceptEncoding };
        return _http.GetAsync((f, q) => f.DocsAsset(q, name), "", headers);
    }

    /// <summary>The viewer is one page that only calls routes the OpenAPI document has (relative to /api/).</summary>
    [Fact]
    public async Task TheViewerCallsOnlyDocumentedRoutes()
    {
        var page = await _http.GetAsync((f, q) => f.Viewer(q));
        Assert.Equal(200, page.Status);
        Assert.StartsWith("text/html", page.ContentType);
        var called = Regex.Matches(page.Text, "(?:fetch\\(|\\.src = |\\.href = )\"([a-z/]+)[?\"]").Select(m => m.Groups[1].Value).Distinct().Order().ToArray();
        Assert.Equal(["colormaps", "colormaps/", "datasets", "frames", "frames/dips", "frames/image"], called);
        // Routes with the dataset in their path are written as templates: `datasets/${…}/picks…`.
        var templated = Regex.Matches(page.Text, "(?:fetch|writePick)\\([^`]*`([a-z/]+)\\$\\{[^}]+\\}((?:/[a-z]+)*)(/\\$\\{[^}]+\\})?")
            .Select(m => $"/{m.Groups[1].Value}{{id}}{m.Groups[2].Value}{(m.Groups[3].Success ? "/{pickId}" : "")}").Distinct().Order().ToArray();
        Assert.Equal(["/datasets/{id}/curves", "/datasets/{id}/picks", "/datasets/{id}/picks/{pickId}", "/datasets/{id}/picks/accept"], templated);
        var paths = (await _http.GetAsync((f, q) => f.OpenApi(q))).Json.GetProperty("paths");
        foreach (var route in new[] { "/datasets", "/frames", "/frames/image", "/frames/dips", "/colormaps", "/colormaps/{name}", "/viewer" }.Concat(templated))
            Assert.True(paths.TryGetProperty(route, out _), route);
    }
}
