using ImageFrames.Functions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ImageFrames.Tests;

/// <summary>
/// The app's public routes served in-process by a real Kestrel server (each route calls the function class,
/// as the worker does), over the realistic sample, and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    /// <summary>A second origin: a page server on another port, allowed by FRAMES_CORS_ORIGINS as
    /// <see cref="AllowedOrigin"/>; the same server named <see cref="RefusedOrigin"/> is another origin, not allowed.</summary>
    /// <remarks>A port for each fixture, not one static: each test class has its own fixture, and classes run side by side.</remarks>
    public string AllowedOrigin { get; }
    public string RefusedOrigin { get; }
    /// <summary>The admin token the viewer's picking is given.</summary>
    public const string AdminToken = "viewer-admin-token";
    private readonly HttpHarness _http;
    private WebApplication? _app, _pages;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; } = $"http://127.0.0.1:{AzuriteFixture.FreePort()}/api/";

    public BrowserFixture()
    {
        var pagePort = AzuriteFixture.FreePort();
        AllowedOrigin = $"http://127.0.0.1:{pagePort}";
        RefusedOrigin = $"http://localhost:{pagePort}";
        _http = new(o => { o.CorsOrigins = AllowedOrigin; o.AdminToken = AdminToken; });
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"the browser tests need Chromium at {Chromium}: apt-get install chromium (.ci/run installs it)");
        await _http.Db.IngestFileAsync(TestPaths.SampleCsv);
        await _http.Db.IngestFileAsync(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "ubi_feet_decreasing.dlis"));
        await _http.Db.IngestFileAsync(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "fmi_small.dlis"), "wells-fmi"); // with curves
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(BaseUrl.Replace("/api/", ""));
        _app = builder.Build();
        var f = _http.Functions;
        Map("viewer", f.Viewer);
        Map("docs", f.DocsPage);
        Map("openapi.json", f.OpenApi);
        Map("datasets", f.ListDatasets);
        Map("frames", f.GetFrames);
        Map("frames/image", f.GetFramesImage);
        Map("colormaps", f.ListColormaps);
        _app.MapGet("/api/docs/{asset}", (HttpContext c, string asset) => Send(c, f.DocsAsset(c.Request, asset)));
        _app.MapGet("/api/colormaps/{name}", (HttpContext c, string name) => Send(c, f.GetColormap(c.Request, name)));
        _app.MapGet("/api/datasets/{id}/curves", (HttpContext c, string id) => Send(c, f.GetCurves(c.Request, id)));
        Map("frames/array", f.GetArray);
        var picks = _http.Picks;
        Map("frames/dips", picks.GetDips);
        _app.MapGet("/api/datasets/{id}/picks", (HttpContext c, string id) => Send(c, picks.ListPicks(c.Request, id)));
        _app.MapPost("/api/datasets/{id}/picks", async (HttpContext c, string id) => await Send(c, await picks.AddPicks(c.Request, id)));
        _app.MapPost("/api/datasets/{id}/picks/accept", (HttpContext c, string id) => Send(c, picks.AcceptDips(c.Request, id)));
        _app.MapMethods("/api/datasets/{id}/picks/{pickId}", ["PATCH"], async (HttpContext c, string id, string pickId) => await Send(c, await picks.ReplacePick(c.Request, id, pickId)));
        _app.MapDelete("/api/datasets/{id}/picks/{pickId}", (HttpContext c, string id, string pickId) => Send(c, picks.DeletePick(c.Request, id, pickId)));
        _app.MapMethods("/api/{**path}", ["OPTIONS"], (HttpContext c, string? path) => Send(c, f.Preflight(c.Request, path)));
        await _app.StartAsync();

        var pages = WebApplication.CreateSlimBuilder();
        pages.WebHost.UseUrls(AllowedOrigin);
        _pages = pages.Build();
        _pages.MapGet("/", () => Results.Content("<!doctype html><title>another origin</title><p>a page of another origin</p>", "text/html"));
        await _pages.StartAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // As root (CI), without the sandbox; and none of the background traffic this closed network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    private void Map(string route, Func<HttpRequest, IActionResult> function) =>
        _app!.MapGet("/api/" + route, (HttpContext c) => Send(c, function(c.Request)));

    private static Task Send(HttpContext context, IActionResult result) =>
        result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

    public async Task DisposeAsync()
    {
        if (_pages is not null) await _pages.DisposeAsync();
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        _http.Dispose();
    }
}
