using System.Net;

namespace ImageFrames.Tests;

/// <summary>
/// The per-client token bucket (FRAMES_RATE_LIMIT, FRAMES_RATE_BURST) through the function classes: a client
/// over its limit gets a 429 problem with Retry-After while another client is served; pictures cost more tokens
/// than JSON; health is exempt; the client is the address the trusted proxy forwarded, never one a client wrote
/// itself; unset, nothing is limited.
/// </summary>
public sealed class RateLimitTests : IDisposable
{
    private readonly HttpHarness _http = new(o => { o.RateLimit = 1; o.RateBurst = 8; o.TrustedProxies = 1; });

    public RateLimitTests() => _http.Db.IngestFileAsync(TestPaths.SampleCsv, "img").GetAwaiter().GetResult();

    public void Dispose() => _http.Dispose();

    /// <summary>A request as the Functions host forwards it: from the host's loopback peer, with X-Forwarded-For.</summary>
    private static async Task<HttpHarness.Response> AsClient(HttpHarness http, string client, Func<Functions.HttpFunctions, Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult> route, string query = "dataset=img&limit=5", string? spoofed = null)
    {
        var request = HttpHarness.Request("GET", query, new Dictionary<string, string> { ["X-Forwarded-For"] = spoofed is null ? client : $"{spoofed}, {client}" });
        request.HttpContext.Connection.RemoteIpAddress = IPAddress.Loopback;
        return await HttpHarness.SendAsync(request, route(http.Functions, request));
    }

    /// <summary>Requests until the first refusal; the bucket refills a token a second, so a slow run may get a few
    /// more than the burst: at most one more per second elapsed.</summary>
    private async Task<(int Served, HttpHarness.Response Refused)> UntilRefusedAsync(string client, Func<Functions.HttpFunctions, Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult> route, string query, int burstLeft)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var served = 0;
        HttpHarness.Response answer;
        while ((answer = await AsClient(_http, client, route, query)).Status == 200 && served < 100) served++;
        Assert.Equal(429, answer.Status);
        Assert.InRange(served, burstLeft, burstLeft + (int)clock.Elapsed.TotalSeconds + 1);
        return (served, answer);
    }

    [Fact]
    public async Task AClientOverItsLimitGetsA429WhileOthersAreServed()
    {
        // A burst of 8 tokens: eight JSON requests, then refused (one token a second comes back).
        var (_, refused) = await UntilRefusedAsync("203.0.113.7", (f, q) => f.GetFrames(q), "dataset=img&limit=5", 8);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.True(int.Parse(refused.Headers.RetryAfter.ToString()) >= 1);
        Assert.Contains("203.0.113.7", refused.Json.GetProperty("detail").GetString());

        // Another client has its own bucket; health is never limited.
        Assert.Equal(200, (await AsClient(_http, "198.51.100.2", (f, q) => f.GetFrames(q))).Status);
        Assert.Equal(200, (await AsClient(_http, "203.0.113.7", (f, q) => f.Health(q).GetAwaiter().GetResult(), "")).Status);
    }

    [Fact]
    public async Task APictureCostsFourTokensAndAWrittenForwardedAddressIsNotBelieved()
    {
        // Pictures at 4 tokens: two of them spend the burst of 8.
        await UntilRefusedAsync("203.0.113.9", (f, q) => f.GetFramesImage(q), "dataset=img&depth_min=9100&depth_max=9110", 2);

        // The client is what the trusted proxy (the host) appended, not what the client wrote in front of it.
        var request = HttpHarness.Request("GET", "", new Dictionary<string, string> { ["X-Forwarded-For"] = "192.0.2.200, 203.0.113.9" });
        request.HttpContext.Connection.RemoteIpAddress = IPAddress.Loopback;
        Assert.Equal("203.0.113.9", _http.Api.RateLimiter.ClientOf(request));
        using var direct = new HttpHarness(o => { o.RateLimit = 1; o.TrustedProxies = 0; });
        Assert.Equal("127.0.0.1", direct.Api.RateLimiter.ClientOf(request));
    }

    [Fact]
    public async Task UnsetNothingIsLimited()
    {
        using var open = new HttpHarness();
        await open.Db.IngestFileAsync(TestPaths.SampleCsv, "img");
        for (var i = 0; i < 50; i++) Assert.Equal(200, (await AsClient(open, "203.0.113.7", (f, q) => f.GetFramesImage(q), "dataset=img&depth_min=9100&depth_max=9110")).Status);
    }
}
