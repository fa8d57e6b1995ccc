using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;

namespace ImageFrames.Tests;

/// <summary>
/// The compose "tls" profile's proxy, run for real: Caddy with the repository's own Caddyfile in front of the
/// app's routes (served by Kestrel, as in the browser tests). HTTPS with a certificate of Caddy's local CA,
/// plain HTTP redirected to HTTPS, no HSTS; the viewer and Swagger UI work through it in Chromium (the pages
/// build no absolute http:// links, so nothing is blocked as mixed content).
/// </summary>
public sealed class TlsProxyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("frames-caddy-").FullName;
    private readonly int _httpPort = AzuriteFixture.FreePort(), _httpsPort = AzuriteFixture.FreePort();
    private Process? _caddy;

    private string Https => $"https://localhost:{_httpsPort}/api/";

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("caddy", ["run", "--adapter", "caddyfile", "--config", Path.Combine(TestPaths.RepositoryRoot, "compose", "tls", "Caddyfile")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["HOME"] = _home, ["XDG_DATA_HOME"] = _home, ["XDG_CONFIG_HOME"] = _home,
                ["FRAMES_TLS_UPSTREAM"] = new Uri(browser.BaseUrl).Authority,
                ["FRAMES_TLS_HTTP_PORT"] = _httpPort.ToString(), ["FRAMES_TLS_HTTPS_PORT"] = _httpsPort.ToString(),
            },
        };
        _caddy = ExternalTool.Start(start, "caddy");
        _caddy.OutputDataReceived += (_, _) => { };
        _caddy.ErrorDataReceived += (_, _) => { };
        _caddy.BeginOutputReadLine();
        _caddy.BeginErrorReadLine();
        using var client = Client();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                (await client.GetAsync(Https + "datasets")).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (attempt < 100 && !_caddy.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_caddy is { HasExited: false }) _caddy.Kill(entireProcessTree: true);
        _caddy?.Dispose();
        Directory.Delete(_home, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A client that trusts exactly Caddy's local root (what `caddy trust` would install), and follows no redirects.</summary>
    private HttpClient Client() => new(new HttpClientHandler
    {
        AllowAutoRedirect = false,
        ServerCertificateCustomValidationCallback = (_, certificate, presented, _) =>
        {
            var root = Path.Combine(_home, "caddy", "pki", "authorities", "local", "root.crt");
            if (certificate is null || !File.Exists(root)) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(root));
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null) foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate); // Caddy's intermediate
            return chain.Build(certificate) && certificate.MatchesHostname("localhost");
        },
    });

    [Fact]
    public async Task HttpsIsServedWithTheLocalCaAndHttpIsRedirected()
    {
        using var client = Client();
        var answer = await client.GetAsync(Https + "frames?dataset=img&limit=3");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.StartsWith("{\"frames\":[{\"depth\":9000.1", await answer.Content.ReadAsStringAsync());
        Assert.False(answer.Headers.Contains("Strict-Transport-Security")); // HSTS off locally

        var plain = await client.GetAsync($"http://localhost:{_httpPort}/api/viewer?x=1");
        Assert.Equal(HttpStatusCode.PermanentRedirect, plain.StatusCode);
        Assert.Equal($"https://localhost:{_httpsPort}/api/viewer?x=1", plain.Headers.Location?.ToString());
    }

    [Fact]
    public async Task TheViewerAndSwaggerUiWorkThroughTheProxy()
    {
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        var insecure = new List<string>();
        page.Request += (_, request) => { if (!request.Url.StartsWith("https://") && !request.Url.StartsWith("data:")) insecure.Add(request.Url); };
        await page.GotoAsync(Https + "viewer");
        await page.WaitForFunctionAsync("() => { const t = [...document.querySelectorAll('#strip img')]; return t.length > 0 && t.every(i => i.complete && i.naturalHeight > 0); }");

        await page.GotoAsync(Https + "docs");
        await page.WaitForSelectorAsync(".swagger-ui .info .title");
        Assert.Empty(insecure);
    }
}
