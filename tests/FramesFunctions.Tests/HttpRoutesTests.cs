using System.Text;
using System.Text.Json;
using ImageFrames.Store;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageFrames.Tests;

/// <summary>Every read route, on the realistic sample ingested into a real SQLite file.</summary>
public sealed class HttpRoutesTests : IAsyncLifetime
{
    private readonly HttpHarness _http = new(o => o.MaxImagePixels = 150 * 6000);

    public async Task InitializeAsync() => Assert.Equal(IngestStatus.Succeeded, (await _http.Db.IngestFileAsync(TestPaths.SampleCsv)).Status);

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task HealthReportsTheDatabaseAndDatasets()
    {
        var r = await _http.GetAsync((f, q) => f.Health(q).Result);
        Assert.Equal(200, r.Status);
        Assert.Equal("healthy", r.Json.GetProperty("status").GetString());
        Assert.Equal("ok", r.Json.GetProperty("database").GetString());
        Assert.Equal("not configured", r.Json.GetProperty("storage").GetString());
        Assert.Equal(1, r.Json.GetProperty("datasets").GetInt32());
        Assert.False(string.IsNullOrEmpty(r.Json.GetProperty("version").GetString()));
    }

    [Fact]
    public async Task HealthIs503WhenTheDatabaseCannotBeRead()
    {
        using var broken = new HttpHarness(o => o.DatabasePath = Path.GetTempPath()); // a folder, not a file
        var r = await broken.GetAsync((f, q) => f.Health(q).Result);
        Assert.Equal(503, r.Status);
        Assert.Equal("unhealthy", r.Json.GetProperty("status").GetString());
        Assert.Equal("database", r.Json.GetProperty("failing").GetString());
        Assert.DoesNotContain(Path.GetTempPath().TrimEnd('/'), r.Text); // no file paths leak
    }

    [Fact]
    public async Task DatasetsListAndDetail()
    {
        var list = await _http.GetAsync((f, q) => f.ListDatasets(q));
        var first = list.Json.GetProperty("datasets")[0];
        Assert.Equal("img", first.GetProperty("id").GetString());
        Assert.Equal(5460, first.GetProperty("row_count").GetInt32());

        var one = await _http.GetAsync((f, q) => f.GetDataset(q, "IMG"));
        Assert.Equal(200, one.Status);
        Assert.Equal(200, one.Json.GetProperty("source_width").GetInt32());
        Assert.Equal(9000.1, one.Json.GetProperty("depth_min").GetDouble());

        var missing = await _http.GetAsync((f, q) => f.GetDataset(q, "nope"));
        Assert.Equal(404, missing.Status);
        Assert.Equal("application/problem+json", missing.ContentType);
        Assert.Contains("img", missing.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task FramesReturnThePrototypeEnvelope()
    {
        var r = await _http.GetAsync((f, q) => f.GetFrames(q), "depth_min=9100&depth_max=9100.5&limit=4");
        Assert.Equal(200, r.Status);
        var frames = r.Json.GetProperty("frames");
        Assert.Equal(4, frames.GetArrayLength());
        Assert.Equal([9100.0, 9100.1, 9100.2, 9100.3], frames.EnumerateArray().Select(x => x.GetProperty("depth").GetDouble()));
        Assert.Contains("\"depth\":9100.1,", r.Text); // exactly as written in the CSV
        Assert.All(frames.EnumerateArray(), x => Assert.Equal(150, x.GetProperty("pixels").GetArrayLength()));
        var meta = r.Json.GetProperty("metadata");
        Assert.Equal(("img", 150, 4, 6, 4, 0, true), (meta.GetProperty("dataset").GetString(), meta.GetProperty("width").GetInt32(),
            meta.GetProperty("count").GetInt32(), meta.GetProperty("total").GetInt32(), meta.GetProperty("limit").GetInt32(),
            meta.GetProperty("offset").GetInt32(), meta.GetProperty("has_more").GetBoolean()));

        var stored = _http.Db.Store.ReadFrames("img", new DepthRange(9100.2, 9100.2), 1, 0)!;
        Assert.Equal(stored.Row(0).ToArray().Select(b => (int)b), frames[2].GetProperty("pixels").EnumerateArray().Select(p => p.GetInt32()));

        var page2 = await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=img&depth_min=9100&depth_max=9100.5&limit=4&offset=4");
        Assert.Equal(2, page2.Json.GetProperty("frames").GetArrayLength());
        Assert.False(page2.Json.GetProperty("metadata").GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task FramesWithAColourMapCarryPerRowPngs()
    {
        var r = await _http.GetAsync((f, q) => f.GetFrames(q), "depth_min=9200&depth_max=9200&colormap=viridis");
        var frame = r.Json.GetProperty("frames")[0];
        Assert.Equal((150, 1), (frame.GetProperty("width").GetInt32(), frame.GetProperty("height").GetInt32()));
        using var png = Image.Load<Rgb24>(Convert.FromBase64String(frame.GetProperty("image_png_base64").GetString()!));
        Assert.Equal((150, 1), (png.Width, png.Height));
        var viridis = Render.ColorMaps.Named["viridis"];
        var greys = frame.GetProperty("pixels").EnumerateArray().Select(p => (byte)p.GetInt32()).ToArray();
        for (var x = 0; x < 150; x++) Assert.Equal(viridis[greys[x]], png[x, 0]);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("jpeg")]
    public async Task ImagesDecodeToTheColourMappedWindow(string format)
    {
        var r = await _http.GetAsync((f, q) => f.GetFramesImage(q), $"depth_min=9100&depth_max=9110&colormap=magma&format={format}");
        Assert.Equal(200, r.Status);
        Assert.Equal($"image/{format}", r.ContentType);
        Assert.Equal(("9100", "9110", "101"), (r.Headers["X-Depth-Min"].ToString(), r.Headers["X-Depth-Max"].ToString(), r.Headers["X-Frame-Count"].ToString()));
        using var image = Image.Load<Rgb24>(r.Body);
        Assert.Equal((150, 101), (image.Width, image.Height));
        var window = _http.Db.Store.ReadFrames("img", new DepthRange(9100, 9110), int.MaxValue, 0)!;
        var magma = Render.ColorMaps.Named["magma"];
        // PNG and lossless WebP are exact; JPEG is lossy (speckle and sharp fractures smear), so its error is bounded
        // on average (another colour map or a shifted row is off by far more).
        var errors = new List<int>();
        for (var y = 0; y < 101; y += 10)
            for (var x = 0; x < 150; x += 7)
            {
                var (expected, actual) = (magma[window.Row(y)[x]], image[x, y]);
                errors.Add(Math.Max(Math.Abs(expected.R - actual.R), Math.Max(Math.Abs(expected.G - actual.G), Math.Abs(expected.B - actual.B))));
                if (format != "jpeg") Assert.True(expected == actual, $"{format} ({x},{y}): expected {expected}, got {actual}");
            }
        Assert.True(errors.Average() <= 20, $"{format}: mean channel error {errors.Average():F1}");
    }

    [Fact]
    public async Task TheDefaultMapSendsGrey128ToTheProtoypesGreen()
    {
        using var flat = new HttpHarness();
        await flat.Db.IngestTextAsync(Csv.Of(200, ("1", 128), ("2", 0), ("3", 255), ("4", 64)), "flat");
        var r = await flat.GetAsync((f, q) => f.GetFramesImage(q), "dataset=flat");
        using var image = Image.Load<Rgb24>(r.Body);
        Assert.Equal(new Rgb24(0x00, 0xC8, 0x64), image[75, 0]);
        Assert.Equal(new Rgb24(0x00, 0x00, 0x8B), image[75, 1]);
        Assert.Equal(new Rgb24(0xFF, 0x45, 0x00), image[75, 2]);
        Assert.Equal(new Rgb24(0x00, 0x8B, 0x8B), image[75, 3]);

        var custom = await flat.GetAsync((f, q) => f.GetFramesImage(q), "dataset=flat&colormap=0:000000,128:ff0000,255:ffffff");
        using var customImage = Image.Load<Rgb24>(custom.Body);
        Assert.Equal(new Rgb24(255, 0, 0), customImage[0, 0]);

        var stretched = await flat.GetAsync((f, q) => f.GetFramesImage(q), "dataset=flat&colormap=grayscale&rescale=64,192&height=8");
        using var stretchedImage = Image.Load<Rgb24>(stretched.Body);
        Assert.Equal(8, stretchedImage.Height);
    }

    [Fact]
    public async Task RescaleStretchesGreysBeforeTheMap()
    {
        using var flat = new HttpHarness();
        await flat.Db.IngestTextAsync(Csv.Of(2, ("1", 64), ("2", 128), ("3", 192)), "flat");
        var r = await flat.GetAsync((f, q) => f.GetFramesImage(q), "dataset=flat&colormap=grayscale&rescale=64,192");
        using var image = Image.Load<Rgb24>(r.Body);
        Assert.Equal([0, 128, 255], Enumerable.Range(0, 3).Select(y => (int)image[0, y].R));
    }

    [Fact]
    public async Task TooLargeAWindowIsA400ThatSaysHowToNarrowIt()
    {
        using var small = new HttpHarness(o => o.MaxImagePixels = 150 * 100);
        await small.Db.IngestFileAsync(TestPaths.SampleCsv);
        var r = await small.GetAsync((f, q) => f.GetFramesImage(q), "");
        Assert.Equal(400, r.Status);
        Assert.Contains("narrow depth_min..depth_max to at most 100 rows", r.Json.GetProperty("detail").GetString());
        Assert.Equal(200, (await small.GetAsync((f, q) => f.GetFramesImage(q), "depth_min=9100&depth_max=9109")).Status);
    }

    [Theory]
    [InlineData("depth_min=abc", "depth_min")]
    [InlineData("depth_min=NaN", "depth_min")]
    [InlineData("depth_max=Infinity", "depth_max")]
    [InlineData("depth_min=1e400", "depth_min")]
    [InlineData("depth_min=9200&depth_max=9100", "depth_min")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=-5", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("offset=x", "offset")]
    [InlineData("colormap=nosuch", "colormap")]
    [InlineData("colormap=0:zzzzzz,255:ffffff", "colormap")]
    [InlineData("colormap=0:000000,0:ffffff", "colormap")]
    [InlineData("colormap=300:000000,255:ffffff", "colormap")]
    [InlineData("rescale=200,100", "rescale")]
    [InlineData("rescale=1", "rescale")]
    [InlineData("dataset=img&dataset=img", "dataset")]
    [InlineData("dataset=../etc", "dataset")]
    [InlineData("depth_min=", "depth_min")]
    public async Task BadFrameQueriesAre400ProblemsNamingTheParameter(string query, string parameter)
    {
        var r = await _http.GetAsync((f, q) => f.GetFrames(q), query);
        Assert.Equal(400, r.Status);
        Assert.Equal("application/problem+json", r.ContentType);
        Assert.Equal(parameter, r.Json.GetProperty("parameter").GetString());
        Assert.Equal(400, r.Json.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("format=gif", "format")]
    [InlineData("format=1", "format")]
    [InlineData("height=0", "height")]
    [InlineData("height=99999999", "height")]
    [InlineData("colormap=", "colormap")]
    public async Task BadImageQueriesAre400Problems(string query, string parameter)
    {
        var r = await _http.GetAsync((f, q) => f.GetFramesImage(q), query);
        Assert.Equal(400, r.Status);
        Assert.Equal(parameter, r.Json.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task UnknownDatasetsAre404sListingTheKnownOnes()
    {
        var r = await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=missing");
        Assert.Equal(404, r.Status);
        Assert.Equal(["img"], r.Json.GetProperty("datasets").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ADatasetMustBeNamedWhenThereAreSeveral()
    {
        await _http.Db.IngestTextAsync(Csv.Of(2, ("1", 1)), "second");
        var r = await _http.GetAsync((f, q) => f.GetFrames(q), "");
        Assert.Equal(400, r.Status);
        Assert.Equal("dataset", r.Json.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task GetsCarryETagsAndIfNoneMatchGets304()
    {
        var first = await _http.GetAsync((f, q) => f.GetFrames(q), "depth_min=9100&depth_max=9101");
        var etag = first.Headers.ETag.ToString();
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal("no-cache", first.Headers.CacheControl.ToString());
        var again = await _http.GetAsync((f, q) => f.GetFrames(q), "depth_min=9100&depth_max=9101", new Dictionary<string, string> { ["If-None-Match"] = etag });
        Assert.Equal(304, again.Status);
        Assert.Empty(again.Body);
        var other = await _http.GetAsync((f, q) => f.GetFrames(q), "depth_min=9100&depth_max=9102", new Dictionary<string, string> { ["If-None-Match"] = etag });
        Assert.Equal(200, other.Status);
    }

    [Fact]
    public async Task EverySuccessfulGetCarriesAnETagAndCacheControl()
    {
        var routes = new Dictionary<string, Func<Functions.HttpFunctions, Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult>>
        {
            ["health"] = (f, q) => f.Health(q).Result, ["datasets"] = (f, q) => f.ListDatasets(q), ["dataset"] = (f, q) => f.GetDataset(q, "img"),
            ["frames"] = (f, q) => f.GetFrames(q), ["image"] = (f, q) => f.GetFramesImage(q), ["colormaps"] = (f, q) => f.ListColormaps(q),
            ["colormap"] = (f, q) => f.GetColormap(q, "viridis"), ["cache stats"] = (f, q) => f.CacheStats(q),
            ["openapi"] = (f, q) => f.OpenApi(q), ["docs"] = (f, q) => f.DocsPage(q),
        };
        foreach (var (name, route) in routes)
        {
            var r = await _http.GetAsync(route, "depth_min=9100&depth_max=9101");
            Assert.Equal(200, r.Status);
            Assert.False(string.IsNullOrEmpty(r.Headers.ETag.ToString()), $"{name} has no ETag");
            Assert.False(string.IsNullOrEmpty(r.Headers.CacheControl.ToString()), $"{name} has no Cache-Control");
            var again = await _http.GetAsync(route, "depth_min=9100&depth_max=9101", new Dictionary<string, string> { ["If-None-Match"] = r.Headers.ETag.ToString() });
            if (name is not ("health" or "cache stats")) Assert.Equal(304, again.Status); // those two change between calls
        }
    }

    [Fact]
    public async Task TheCacheCountsHitsAndDropsAChangedDataset()
    {
        await _http.GetAsync((f, q) => f.GetFramesImage(q), "depth_min=9100&depth_max=9200");
        var hit = await _http.GetAsync((f, q) => f.GetFramesImage(q), "depth_min=9100&depth_max=9200");
        Assert.Equal(200, hit.Status);
        var stats = (await _http.GetAsync((f, q) => f.CacheStats(q))).Json;
        Assert.Equal((1, 1, 1), (stats.GetProperty("hits").GetInt32(), stats.GetProperty("misses").GetInt32(), stats.GetProperty("entries").GetInt32()));
        Assert.Equal(0.5, stats.GetProperty("hit_rate").GetDouble());

        await _http.Db.IngestTextAsync(Csv.Of(200, ("1", 1)), "img"); // a new version of img
        Assert.Equal(0, _http.Cache.Stats().Entries);
        var fresh = await _http.GetAsync((f, q) => f.GetFrames(q), "");
        Assert.Equal(1, fresh.Json.GetProperty("metadata").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task TheCacheIsBoundedInBytes()
    {
        using var tiny = new HttpHarness(o => o.CacheMaxBytes = 40_000);
        await tiny.Db.IngestFileAsync(TestPaths.SampleCsv);
        for (var i = 0; i < 20; i++) await tiny.GetAsync((f, q) => f.GetFrames(q), $"limit=3&offset={i * 3}");
        var stats = tiny.Cache.Stats();
        Assert.True(stats.Bytes <= 40_000, $"{stats.Bytes} bytes cached");
        Assert.True(stats.Evictions > 0);
    }

    /// <summary>An answer above an eighth of the cache is sent but not kept: it would push out many small ones.</summary>
    [Fact]
    public async Task AnswersAboveTheCachesEntryBoundAreNotKept()
    {
        using var small = new HttpHarness(o => o.CacheMaxBytes = 80_000);
        await small.Db.IngestFileAsync(TestPaths.SampleCsv);
        var little = await small.GetAsync((f, q) => f.GetFrames(q), "limit=5");
        Assert.True(little.Body.Length < small.Cache.MaxEntryBytes);
        var big = await small.GetAsync((f, q) => f.GetFrames(q), "limit=100");
        Assert.Equal(200, big.Status);
        Assert.True(big.Body.Length > small.Cache.MaxEntryBytes);
        Assert.Equal(1, small.Cache.Stats().Entries);
        await small.GetAsync((f, q) => f.GetFrames(q), "limit=100");
        Assert.Equal((0, 3), (small.Cache.Stats().Hits, small.Cache.Stats().Misses));
    }

    [Fact]
    public async Task ColourMapsAreListedAndDrawnAsLegends()
    {
        var list = await _http.GetAsync((f, q) => f.ListColormaps(q));
        var names = list.Json.GetProperty("colormaps").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToHashSet();
        foreach (var name in new[] { "classic", "grayscale", "viridis", "magma", "inferno", "plasma", "cividis", "turbo", "viridis_r" })
            Assert.Contains(name, names);
        Assert.Equal("classic", list.Json.GetProperty("default").GetString());

        var classic = await _http.GetAsync((f, q) => f.GetColormap(q, "classic"));
        Assert.Equal(["#00008B", "#008B8B", "#00C864", "#FFD700", "#FF4500"],
            classic.Json.GetProperty("stops").EnumerateArray().Select(s => s.GetProperty("color").GetString()));

        var legend = await _http.GetAsync((f, q) => f.GetColormap(q, "viridis_r"), "format=png");
        using var image = Image.Load<Rgb24>(legend.Body);
        Assert.Equal(256, image.Width);
        Assert.Equal(Render.ColorMaps.Named["viridis"][255], image[0, 0]);

        Assert.Equal(404, (await _http.GetAsync((f, q) => f.GetColormap(q, "nosuch"))).Status);
        Assert.Equal(400, (await _http.GetAsync((f, q) => f.GetColormap(q, "viridis"), "format=svg")).Status);
    }

    [Fact]
    public async Task EveryResponseHasARequestIdAndNosniff()
    {
        var echoed = await _http.GetAsync((f, q) => f.GetFrames(q), "", new Dictionary<string, string> { ["X-Request-ID"] = "abc-123" });
        Assert.Equal("abc-123", echoed.Headers["X-Request-ID"].ToString());
        Assert.Equal("nosniff", echoed.Headers.XContentTypeOptions.ToString());
        var bad = await _http.GetAsync((f, q) => f.GetFrames(q), "limit=x", new Dictionary<string, string> { ["X-Request-ID"] = "<script>" });
        Assert.Matches("^[0-9a-f]{32}$", bad.Headers["X-Request-ID"].ToString());
        Assert.Equal("nosniff", bad.Headers.XContentTypeOptions.ToString());
    }

    [Fact]
    public async Task DocsServeTheOpenApiDocumentAndAPage()
    {
        var doc = await _http.GetAsync((f, q) => f.OpenApi(q));
        Assert.Equal("3.0.3", doc.Json.GetProperty("openapi").GetString());
        var page = await _http.GetAsync((f, q) => f.DocsPage(q));
        Assert.StartsWith("text/html", page.ContentType);
        Assert.Contains("docs/swagger-ui-bundle.js", page.Text); // Swagger UI, pointed at openapi.json by its initializer (DocsTests)
    }
}
