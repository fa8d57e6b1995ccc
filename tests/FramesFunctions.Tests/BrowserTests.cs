using System.Text.Json;
using Microsoft.Playwright;

namespace ImageFrames.Tests;

/// <summary>The viewer and the docs page in a real browser (headless Chromium) against the app's routes.</summary>
public sealed class BrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _scriptErrors = new();

    /// <summary>Every test also fails on an uncaught script error in its pages.</summary>
    public void Dispose() => Assert.Empty(_scriptErrors);

    private async Task<IPage> OpenAsync(string path)
    {
        var page = await browser.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 800 } });
        page.PageError += (_, e) => _scriptErrors.Enqueue(e);
        await page.GotoAsync(browser.BaseUrl + path);
        return page;
    }

    /// <summary>Sources of the tiles on screen, once every one of them has loaded.</summary>
    private static async Task<string[]> LoadedTilesAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => { const t = [...document.querySelectorAll('#strip img')]; return t.length > 0 && t.every(i => i.complete && i.naturalHeight > 0); }");
        return await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#strip img')].map(i => i.getAttribute('src'))");
    }

    /// <summary>The colour of the first tile's centre pixel, read back through a canvas.</summary>
    private static Task<int[]> FirstTilePixelAsync(IPage page) => page.EvaluateAsync<int[]>("""
        () => { const img = document.querySelector('#strip img'); const c = document.createElement('canvas');
                c.width = img.naturalWidth; c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                return [...g.getImageData(img.naturalWidth >> 1, img.naturalHeight >> 1, 1, 1).data.slice(0, 3)]; }
        """);

    [Fact]
    public async Task TheViewerShowsTheDefaultWindowAndColourMapChangesTheTiles()
    {
        var page = await OpenAsync("viewer");
        var tiles = await LoadedTilesAsync(page);
        Assert.All(tiles, src => Assert.Contains("dataset=img", src));
        Assert.All(tiles, src => Assert.Contains("colormap=classic", src));
        Assert.Equal("img", await page.InputValueAsync("#dataset"));
        var classic = await FirstTilePixelAsync(page);

        await page.SelectOptionAsync("#colormap", "grayscale");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#strip img')].every(i => i.getAttribute('src').includes('colormap=grayscale'))");
        await LoadedTilesAsync(page);
        var grey = await FirstTilePixelAsync(page);
        Assert.NotEqual(classic, grey);
        Assert.True(grey[0] == grey[1] && grey[1] == grey[2], $"grayscale pixel {string.Join(",", grey)}");
        Assert.Contains("colormap=grayscale", page.Url);

        // The README's picture, when asked for: FRAMES_SCREENSHOTS=docs dotnet test --filter BrowserTests
        if (Environment.GetEnvironmentVariable("FRAMES_SCREENSHOTS") is { Length: > 0 } folder)
        {
            var shot = await OpenAsync("viewer#dataset=img&colormap=viridis_r&rescale=40,220&top=9180&zoom=3");
            await LoadedTilesAsync(shot);
            await shot.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.RepositoryRoot, folder, "viewer.png") });
        }
    }

    /// <summary>The normalisation choice: the tiles ask for it, the URL keeps it, a reload restores it.</summary>
    [Fact]
    public async Task TheNormalisationChoiceReachesTheTilesAndStaysInTheUrl()
    {
        var page = await OpenAsync("viewer#dataset=img&colormap=grayscale");
        await LoadedTilesAsync(page);
        var plain = await FirstTilePixelAsync(page);
        await page.SelectOptionAsync("#normalize", "dynamic");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#strip img')].every(i => i.getAttribute('src').includes('normalize=dynamic'))");
        await LoadedTilesAsync(page);
        Assert.NotEqual(plain, await FirstTilePixelAsync(page));
        Assert.Contains("normalize=dynamic", page.Url);

        var again = await OpenAsync("viewer#" + page.Url.Split('#')[1]);
        await LoadedTilesAsync(again);
        Assert.Equal("dynamic", await again.InputValueAsync("#normalize"));
    }

    /// <summary>A DLIS log with curves: its depth unit over the axis, the azimuth scale over the image, and a track
    /// of its curves (GR, CALI) drawn beside it with their units; a CSV log has neither scale nor track.</summary>
    [Fact]
    public async Task ADlisLogShowsItsDepthUnitAzimuthsAndCurves()
    {
        var page = await OpenAsync("viewer#dataset=wells-fmi&colormap=grayscale");
        await LoadedTilesAsync(page);
        await page.WaitForFunctionAsync("() => document.getElementById('trackHead').textContent.includes('GR')");
        Assert.Equal("m", await page.TextContentAsync("#axisUnit"));
        Assert.Equal("0°90°180°270°360°", await page.TextContentAsync("#azimuth"));
        Assert.Matches(@"^GR [\d.]+–[\d.]+ gAPI\s*CALI [\d.]+–[\d.]+ in$", await page.TextContentAsync("#trackHead"));
        var inked = await page.EvaluateAsync<int>("""
            () => { const c = document.getElementById('track'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }
            """);
        Assert.True(inked > 200, $"{inked} pixels of curve drawn");
        Assert.InRange(await page.EvaluateAsync<int>("() => document.getElementById('track').getBoundingClientRect().width | 0"), 180, 181);
        if (Environment.GetEnvironmentVariable("FRAMES_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.RepositoryRoot, folder, "viewer-curves.png") });

        var csv = await OpenAsync("viewer#dataset=img");
        await LoadedTilesAsync(csv);
        Assert.Equal(("", ""), (await csv.TextContentAsync("#axisUnit"), await csv.TextContentAsync("#azimuth")));
        Assert.Equal(0, await csv.EvaluateAsync<int>("() => document.getElementById('track').getBoundingClientRect().width | 0"));
    }

    /// <summary>An array streamed through Kestrel (which refuses synchronous writes) arrives whole.</summary>
    [Fact]
    public async Task AnArrayStreamsThroughKestrel()
    {
        using var client = new HttpClient();
        var body = await client.GetByteArrayAsync(browser.BaseUrl + "frames/array?dataset=wells-fmi&values=true&format=npz");
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(body));
        Assert.Equal(["values.npy", "depths.npy"], zip.Entries.Select(e => e.FullName));
        var npy = await client.GetByteArrayAsync(browser.BaseUrl + "frames/array?dataset=img");
        Assert.Equal("5460,150", string.Join(',', ArrayTests.ReadNpy(npy).Shape));
    }

    [Fact]
    public async Task ScrollingAndKeysRequestTheNextTiles()
    {
        var page = await OpenAsync("viewer#dataset=img&top=9100&zoom=4"); // 16 px per depth unit: 50 units on screen
        var before = await LoadedTilesAsync(page);
        var requested = new List<string>();
        page.Request += (_, r) => { if (r.Url.Contains("frames/image")) requested.Add(r.Url); };

        await page.Mouse.MoveAsync(200, 400);
        await page.Mouse.WheelAsync(0, 1600); // 100 depth units further down
        var afterWheel = await LoadedTilesAsync(page);
        Assert.Contains(afterWheel, src => !before.Contains(src));
        Assert.NotEmpty(requested);
        var topAfterWheel = TopOf(page.Url);
        Assert.True(topAfterWheel > 9150, $"top {topAfterWheel}");

        await page.FocusAsync("#strip");
        await page.Keyboard.PressAsync("PageDown");
        await page.WaitForFunctionAsync($"() => +new URLSearchParams(location.hash.slice(1)).get('top') > {topAfterWheel + 10}");
        await page.Keyboard.PressAsync("Home");
        await page.WaitForFunctionAsync("() => +new URLSearchParams(location.hash.slice(1)).get('top') < 9001");
    }

    private static double TopOf(string url) =>
        double.Parse(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(url).Fragment.TrimStart('#'))["top"]!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task HoveringReadsDepthAndGrey()
    {
        var page = await OpenAsync("viewer#dataset=img&top=9100&zoom=4");
        await LoadedTilesAsync(page);
        var box = (await page.Locator("#strip").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + 62, box.Y + 200);
        await page.WaitForFunctionAsync("() => document.getElementById('readout').textContent.includes('column')");
        Assert.Matches(@"Depth 91\d\d(\.\d)? · column \d+ of 150 · grey \d+", await page.TextContentAsync("#readout"));
    }

    /// <summary>A DLIS dataset reads in its own units: depth in ft, each pixel's physical value in dB (or no data).</summary>
    [Fact]
    public async Task HoveringADlisLogReadsDepthAndValueInTheirUnits()
    {
        var page = await OpenAsync("viewer#dataset=ubi_feet_decreasing&colormap=classic&top=8972&zoom=4");
        await LoadedTilesAsync(page);
        var strip = (await page.Locator("#strip").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(strip.X + 62, strip.Y + 40);
        await page.WaitForFunctionAsync("() => document.getElementById('readout').textContent.includes('column')");
        Assert.Matches(@"^Depth 89\d\d(\.\d+)? ft · column \d+ of 150 · grey \d+ · (-?\d+(\.\d+)? dB|no data)$", await page.TextContentAsync("#readout"));

        if (Environment.GetEnvironmentVariable("FRAMES_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(TestPaths.RepositoryRoot, folder, "viewer-dlis.png") });
    }

    /// <summary>Swagger UI renders one block per operation of the OpenAPI document.</summary>
    [Fact]
    public async Task TheDocsPageRendersEveryRoute()
    {
        using var http = new HttpClient();
        var document = JsonDocument.Parse(await http.GetStringAsync(browser.BaseUrl + "openapi.json")).RootElement;
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "patch" or "delete").Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}")).ToArray();
        var page = await OpenAsync("docs");
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('.opblock').length >= {operations.Length}");
        var shown = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('.opblock')].map(b => b.querySelector('.opblock-summary-method').textContent + ' ' +
                                                                      b.querySelector('.opblock-summary-path').getAttribute('data-path'))
            """);
        Assert.Equal(operations.Order(), shown.Order());
    }
}
