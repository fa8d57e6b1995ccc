using System.Text.Json;

namespace ImageFrames.Tests;

/// <summary>
/// CORS as a browser enforces it: a page served from a second origin (another local port) fetches the API in
/// Chromium. The origin FRAMES_CORS_ORIGINS allows reads frames and a picture (through a preflight, and with the
/// picture's depth headers readable); an origin it does not allow is blocked by the browser; an admin request is
/// blocked at its preflight even from the allowed origin.
/// </summary>
public sealed class CrossOriginBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Script = """
        async (api) => {
          const out = {};
          try {
            const r = await fetch(api + 'frames?dataset=img&depth_min=9100&limit=3');
            out.frames = (await r.json()).frames.length;
          } catch (e) { out.framesError = String(e); }
          try {
            const r = await fetch(api + 'frames/image?dataset=img&depth_min=9100&depth_max=9110', { headers: { 'If-None-Match': '"none"' } });
            const b = await r.blob();
            out.picture = b.type + ' ' + (b.size > 100);
            out.depthMin = r.headers.get('X-Depth-Min');
          } catch (e) { out.pictureError = String(e); }
          try {
            const r = await fetch(api + 'cache', { method: 'DELETE' });
            out.admin = r.status;
          } catch (e) { out.adminError = String(e); }
          return JSON.stringify(out);
        }
        """;

    private async Task<JsonElement> FetchFromAsync(string origin)
    {
        var page = await browser.Browser.NewPageAsync();
        try
        {
            await page.GotoAsync(origin + "/");
            return JsonDocument.Parse(await page.EvaluateAsync<string>(Script, browser.BaseUrl)).RootElement;
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task TheAllowedOriginReadsAndOthersAreBlockedByTheBrowser()
    {
        var allowed = await FetchFromAsync(browser.AllowedOrigin);
        Assert.Equal(3, allowed.GetProperty("frames").GetInt32());
        Assert.Equal("image/png true", allowed.GetProperty("picture").GetString());
        Assert.Equal("9100", allowed.GetProperty("depthMin").GetString());
        Assert.Contains("Failed to fetch", allowed.GetProperty("adminError").GetString());

        var refused = await FetchFromAsync(browser.RefusedOrigin);
        Assert.Contains("Failed to fetch", refused.GetProperty("framesError").GetString());
        Assert.Contains("Failed to fetch", refused.GetProperty("pictureError").GetString());
        Assert.False(refused.TryGetProperty("frames", out _));
    }
}
