using System.Text.Json;
using ImageFrames.Sample;
using Microsoft.Playwright;

namespace ImageFrames.Tests;

/// <summary>
/// Planes in the viewer, in a real browser (headless Chromium) against the app's routes over the sample log: the
/// picker's candidates drawn as sinusoids and tadpoles and kept as picks; a plane picked by clicking three points on
/// a planted trace, its kind changed and the pick deleted from the list.
/// </summary>
public sealed class ViewerPickingTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private const double DiameterFeet = 8.5 / 12;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _scriptErrors = new();

    public void Dispose() => Assert.Empty(_scriptErrors);

    private async Task<IPage> OpenAsync(string hash)
    {
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 800 } });
        page.PageError += (_, e) => _scriptErrors.Enqueue(e);
        await page.GotoAsync(browser.BaseUrl + "viewer#" + hash);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#strip img').length > 0");
        await page.FillAsync("#token", BrowserFixture.AdminToken);
        return page;
    }

    private async Task<JsonElement[]> PicksAsync(IPage page, double from, double to) =>
        (await page.EvaluateAsync<JsonElement>($"() => fetch('datasets/img/picks?depth_min={from}&depth_max={to}').then(r => r.json())"))
            .GetProperty("picks").EnumerateArray().ToArray();

    [Fact]
    public async Task DetectInViewDrawsTheCandidatesAndAcceptKeepsThemAsPicks()
    {
        var page = await OpenAsync("dataset=img&top=9100&zoom=3");
        await page.ClickAsync("#detect");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#planes path.candidate').length > 0");
        var depths = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('#planes path.candidate')].map(p => +p.dataset.depth)");
        Assert.Equal(depths.Length, await page.Locator("#tadpoles .tadpole.candidate").CountAsync());
        var (top, bottom) = (depths.Min(), depths.Max());
        var planted = SampleLog.Planes(new SampleLogSpec(), DiameterFeet).Where(p => p.Depth > top && p.Depth < bottom && Math.Abs(p.Contrast) >= 10).ToList();
        Assert.NotEmpty(planted);
        Assert.True(planted.Count(p => depths.Any(d => Math.Abs(d - p.Depth) <= Math.Max(0.3, 0.2 * p.Amplitude))) >= 0.6 * planted.Count);
        // docs/interpretation.md's picture, when asked for: FRAMES_SCREENSHOTS=docs dotnet test --filter ViewerPickingTests
        if (Environment.GetEnvironmentVariable("FRAMES_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.RepositoryRoot, folder, "viewer-planes.png") });

        await page.ClickAsync("#accept");
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('#pickList li').length >= {depths.Length}");
        Assert.Equal(0, await page.Locator("#planes path.candidate").CountAsync());
        Assert.True(await page.Locator("#planes path.pick").CountAsync() >= depths.Length);
        var kept = await PicksAsync(page, top, bottom);
        Assert.True(kept.Length >= depths.Length);
        Assert.All(kept, p => Assert.Equal("auto", p.GetProperty("source").GetString()));
        Assert.Contains("Kept", await page.TextContentAsync("#planeStatus"));
    }

    [Fact]
    public async Task ThreeClicksOnATracePickItsPlaneWhichTheListEditsAndDeletes()
    {
        var fracture = SampleLog.Planes(new SampleLogSpec(), DiameterFeet).First(p => p.Kind == "fracture" && p.Depth is > 9300 and < 9500 && p.Dip < 80);
        var page = await OpenAsync($"dataset=img&top={fracture.Depth - 20}&zoom=3");
        var hash = System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Fragment.TrimStart('#'));
        var (top, perFoot) = (double.Parse(hash["top"]!, System.Globalization.CultureInfo.InvariantCulture), Math.Pow(2, int.Parse(hash["zoom"]!)));
        var strip = (await page.Locator("#strip").BoundingBoxAsync())!;
        await page.SelectOptionAsync("#kind", "fracture-open");
        await page.ClickAsync("#pick");
        Assert.Equal("true", await page.GetAttributeAsync("#pick", "aria-pressed"));
        var trace = new Interpret.Sinusoid(fracture.Depth, fracture.Amplitude, fracture.Azimuth);
        foreach (var azimuth in new[] { 40.0, 160, 280 })
            await page.Mouse.ClickAsync(strip.X + (float)(azimuth / 360 * 300), strip.Y + (float)((trace.DepthAt(azimuth) - top) * perFoot));
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#pickList li').length > 0 && document.querySelector('#planeStatus').textContent.startsWith('Picked')");
        Assert.Equal("false", await page.GetAttributeAsync("#pick", "aria-pressed"));

        var pick = Assert.Single(await PicksAsync(page, fracture.Depth - 0.5, fracture.Depth + 0.5), p => p.GetProperty("source").GetString() == "manual");
        Assert.Equal(fracture.Depth, pick.GetProperty("depth").GetDouble(), 0.25);
        Assert.Equal(fracture.Dip, pick.GetProperty("dip").GetDouble(), 2.0);
        Assert.InRange(Math.Abs(Interpret.Plane.Normalize(pick.GetProperty("azimuth").GetDouble() - fracture.Azimuth + 180) - 180), 0, 5);
        Assert.Equal("fracture-open", pick.GetProperty("kind").GetString());
        var id = pick.GetProperty("id").GetInt64();
        Assert.Equal(1, await page.Locator($"#planes path.pick[data-id='{id}']").CountAsync());

        var row = page.Locator($"#pickList li[data-id='{id}']");
        await row.Locator("select.pickKind").SelectOptionAsync("fault");
        await page.WaitForFunctionAsync($"() => document.querySelector(\"#planes path.pick[data-id='{id}']\")?.dataset.kind === 'fault'");
        Assert.Equal("fault", (await PicksAsync(page, fracture.Depth - 0.5, fracture.Depth + 0.5)).Single(p => p.GetProperty("id").GetInt64() == id).GetProperty("kind").GetString());

        await page.Locator($"#pickList li[data-id='{id}'] button.deletePick").ClickAsync();
        await page.WaitForFunctionAsync($"() => !document.querySelector(\"#pickList li[data-id='{id}']\")");
        Assert.DoesNotContain(await PicksAsync(page, fracture.Depth - 0.5, fracture.Depth + 0.5), p => p.GetProperty("id").GetInt64() == id);
    }
}
