using Microsoft.AspNetCore.Http;

namespace ImageFrames.Tests;

/// <summary>
/// FRAMES_CORS_ORIGINS through the function classes, per the Fetch standard: an allowed origin is echoed with
/// Vary: Origin and the headers a page needs exposed; another origin gets nothing; a preflight is granted for GET
/// and HEAD only — never for the admin methods — and credentials are never allowed; '*' opens the public reads
/// to every origin; unset, no CORS header at all.
/// </summary>
public sealed class CorsTests : IDisposable
{
    private const string Viewer = "http://viewer.example:8080";
    private readonly HttpHarness _http = new(o => o.CorsOrigins = $"{Viewer}, https://other.example");

    public CorsTests() => _http.Db.IngestFileAsync(TestPaths.SampleCsv, "img").GetAwaiter().GetResult();

    public void Dispose() => _http.Dispose();

    private static Dictionary<string, string> From(string origin, params (string, string)[] more) =>
        new[] { ("Origin", origin) }.Concat(more).ToDictionary(h => h.Item1, h => h.Item2);

    private static async Task<HttpHarness.Response> PreflightAsync(HttpHarness http, string origin, string method)
    {
        var request = HttpHarness.Request("OPTIONS", "", From(origin, ("Access-Control-Request-Method", method), ("Access-Control-Request-Headers", "if-none-match")));
        return await HttpHarness.SendAsync(request, http.Functions.Preflight(request, "frames"));
    }

    [Fact]
    public async Task AnAllowedOriginIsEchoedAndAnotherGetsNothing()
    {
        var allowed = await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=img&limit=5", From(Viewer));
        Assert.Equal(200, allowed.Status);
        Assert.Equal(Viewer, allowed.Headers["Access-Control-Allow-Origin"].ToString());
        Assert.Contains("Origin", allowed.Headers.Vary.ToString());
        Assert.Contains("X-Depth-Min", allowed.Headers["Access-Control-Expose-Headers"].ToString());
        Assert.False(allowed.Headers.ContainsKey("Access-Control-Allow-Credentials"));

        var picture = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img&depth_min=9100&depth_max=9110", From("https://other.example"));
        Assert.Equal("https://other.example", picture.Headers["Access-Control-Allow-Origin"].ToString());

        var refused = await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=img&limit=5", From("http://evil.example"));
        Assert.Equal(200, refused.Status); // the server answers; the browser keeps it from the page
        Assert.False(refused.Headers.ContainsKey("Access-Control-Allow-Origin"));
        Assert.Contains("Origin", refused.Headers.Vary.ToString());

        // Gzip and CORS both vary the answer.
        var gzipped = await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=img&limit=100", From(Viewer, ("Accept-Encoding", "gzip")));
        Assert.Equal("gzip", gzipped.Headers.ContentEncoding.ToString());
        Assert.Equal(["Origin", "Accept-Encoding"], gzipped.Headers.Vary.ToString().Split(',', StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task APreflightIsGrantedForReadsOnlyAndNeverForTheAdminMethods()
    {
        var read = await PreflightAsync(_http, Viewer, "GET");
        Assert.Equal(204, read.Status);
        Assert.Equal(Viewer, read.Headers["Access-Control-Allow-Origin"].ToString());
        Assert.Equal("GET, HEAD", read.Headers["Access-Control-Allow-Methods"].ToString());
        Assert.Contains("If-None-Match", read.Headers["Access-Control-Allow-Headers"].ToString());
        Assert.Equal("600", read.Headers["Access-Control-Max-Age"].ToString());

        foreach (var method in new[] { "POST", "DELETE", "PUT" })
        {
            var admin = await PreflightAsync(_http, Viewer, method);
            Assert.Equal(204, admin.Status);
            Assert.False(admin.Headers.ContainsKey("Access-Control-Allow-Origin"), method);
            Assert.False(admin.Headers.ContainsKey("Access-Control-Allow-Methods"), method);
        }
        Assert.False((await PreflightAsync(_http, "http://evil.example", "GET")).Headers.ContainsKey("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task StarOpensThePublicReadsAndUnsetSendsNoCorsHeader()
    {
        using var open = new HttpHarness(o => o.CorsOrigins = "*");
        await open.Db.IngestFileAsync(TestPaths.SampleCsv, "img");
        var any = await open.GetAsync((f, q) => f.GetFrames(q), "dataset=img&limit=5", From("http://anyone.example"));
        Assert.Equal("*", any.Headers["Access-Control-Allow-Origin"].ToString());
        Assert.False(any.Headers.ContainsKey("Access-Control-Allow-Credentials"));
        Assert.Equal("*", (await PreflightAsync(open, "http://anyone.example", "GET")).Headers["Access-Control-Allow-Origin"].ToString());
        Assert.False((await PreflightAsync(open, "http://anyone.example", "DELETE")).Headers.ContainsKey("Access-Control-Allow-Origin"));

        using var closed = new HttpHarness();
        await closed.Db.IngestFileAsync(TestPaths.SampleCsv, "img");
        var none = await closed.GetAsync((f, q) => f.GetFrames(q), "dataset=img&limit=5", From(Viewer));
        Assert.DoesNotContain(none.Headers.Keys, k => k.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Origin", none.Headers.Vary.ToString());
    }
}
