using System.Globalization;
using ImageFrames.Render;
using ImageFrames.Serve;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// Pictures too big for the response cache are written to the response as the rows are read (a snapshot held
/// until sent) instead of being encoded whole in memory: the same bytes and headers as the buffered picture,
/// never cached, never shared between two requests, and without holding a render slot while a client reads.
/// </summary>
public sealed class StreamedPictureTests : IDisposable
{
    // An eighth of 400 KB: windows over about 330 rows of 150 px stream; smaller ones are drawn whole and cached.
    private readonly HttpHarness _http = new(o => o.CacheMaxBytes = 400_000);

    public StreamedPictureTests() => _http.Db.IngestFileAsync(TestPaths.SampleCsv, "img").GetAwaiter().GetResult();

    [Theory]
    [InlineData("depth_min=9100&depth_max=9400")]   // 3,001 rows: streamed
    [InlineData("colormap=viridis&rescale=20,200")] // the whole log
    [InlineData("depth_min=9100&depth_max=9120")]   // 201 rows: buffered
    public async Task AStreamedPictureHasTheBytesAndHeadersOfTheBufferedOne(string query)
    {
        var r = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img&" + query);
        Assert.Equal(200, r.Status);

        var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        var range = new DepthRange(q.TryGetValue("depth_min", out var min) ? double.Parse(min!, CultureInfo.InvariantCulture) : null,
                                   q.TryGetValue("depth_max", out var max) ? double.Parse(max!, CultureInfo.InvariantCulture) : null);
        var window = _http.Db.Store.ReadFrames("img", range, int.MaxValue, 0)!;
        var map = ColorMaps.Named[q.TryGetValue("colormap", out var name) ? name.ToString() : ColorMaps.DefaultName];
        var rescale = q.TryGetValue("rescale", out var text) ? text.ToString().Split(',').Select(byte.Parse).ToArray() : null;
        var table = map.Table(rescale is null ? null : new Rescale(rescale[0], rescale[1]));
        Assert.Equal(FrameRenderer.Render(window, table, ImageFormat.Png), r.Body);
        Assert.Equal(window.Depths[0].ToString("R", CultureInfo.InvariantCulture), r.Headers["X-Depth-Min"]);
        Assert.Equal(window.Depths[^1].ToString("R", CultureInfo.InvariantCulture), r.Headers["X-Depth-Max"]);
        Assert.Equal(window.Count.ToString(CultureInfo.InvariantCulture), r.Headers["X-Frame-Count"]);
        Assert.False(string.IsNullOrEmpty(r.Headers.ETag));
    }

    /// <summary>normalize=dynamic: each row equalised over the dataset's rows within half the window of its depth,
    /// computed here directly from every stored row — streamed (context rows above and below the window, or cut by the
    /// dataset's own ends) or buffered, the same bytes.</summary>
    [Theory]
    [InlineData("depth_min=9100&depth_max=9400&window=2", 1.0)] // streamed, with rows above and below as context
    [InlineData("depth_max=9400", 0.3)]                         // streamed from the dataset's first row, default window
    [InlineData("depth_min=9500&window=1.5", 0.75)]             // streamed to the dataset's last row
    [InlineData("depth_min=9100&depth_max=9400&window=20", 10.0)] // a window of 201 rows held as the rows stream
    [InlineData("depth_min=9100&depth_max=9120&window=2", 1.0)] // buffered
    public async Task ADynamicPictureIsEqualisedOverTheStoredRowsAroundEachDepth(string query, double halfWindow)
    {
        var r = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img&normalize=dynamic&" + query);
        Assert.Equal(200, r.Status);

        var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        var range = new DepthRange(q.TryGetValue("depth_min", out var min) ? double.Parse(min!, CultureInfo.InvariantCulture) : null,
                                   q.TryGetValue("depth_max", out var max) ? double.Parse(max!, CultureInfo.InvariantCulture) : null);
        var all = _http.Db.Store.ReadFrames("img", DepthRange.All, int.MaxValue, 0)!;
        var shown = Enumerable.Range(0, all.Count).Where(i => all.Depths[i] >= (range.Min ?? double.MinValue) && all.Depths[i] <= (range.Max ?? double.MaxValue)).ToArray();
        var (width, map) = (all.Width, new byte[256]);
        var expected = new byte[shown.Length * width];
        for (var i = 0; i < shown.Length; i++)
        {
            var (depth, counts) = (all.Depths[shown[i]], new long[256]);
            for (var j = 0; j < all.Count; j++)
                if (all.Depths[j] >= depth - halfWindow && all.Depths[j] <= depth + halfWindow)
                    foreach (var g in all.Row(j)) counts[g]++;
            GreyEqualization.Map(counts, null, map);
            for (var x = 0; x < width; x++) expected[i * width + x] = map[all.Row(shown[i])[x]];
        }
        var picture = new FrameWindow(all.Dataset, shown.Length, shown.Select(i => all.Depths[i]).ToArray(), expected, shown.Length);
        Assert.Equal(FrameRenderer.Render(picture, ColorMaps.Default.Table(null), ImageFormat.Png), r.Body);
        Assert.Equal(all.Depths[shown[0]].ToString("R", CultureInfo.InvariantCulture), r.Headers["X-Depth-Min"]);
        Assert.Equal(all.Depths[shown[^1]].ToString("R", CultureInfo.InvariantCulture), r.Headers["X-Depth-Max"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("&normalize=dynamic")]
    public void PicturesTooBigToCacheAreStreamedAndNotCached(string normalize)
    {
        var small = _http.Api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9120" + normalize));
        Assert.Null(small.BodyWriter);
        Assert.NotEmpty(small.Body);

        var streamed = _http.Api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9400" + normalize));
        try
        {
            Assert.NotNull(streamed.BodyWriter);
            Assert.NotNull(streamed.Owned);
        }
        finally
        {
            streamed.Owned?.Dispose();
        }
        Assert.Equal(1, _http.Cache.Stats().Entries); // the small one
    }

    /// <summary>A dynamic picture holds one depth window of rows while it streams; a window wider than a cache entry
    /// (here 401 rows of 150 px, over the 50 KB entry bound) is drawn whole instead, with the same rows.</summary>
    [Fact]
    public async Task ADynamicPictureWithAWindowWiderThanACacheEntryIsDrawnWhole()
    {
        var narrow = _http.Api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9400&normalize=dynamic&window=30"));
        narrow.Owned?.Dispose();
        Assert.NotNull(narrow.BodyWriter);
        var wide = _http.Api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9400&normalize=dynamic&window=40"));
        Assert.Null(wide.BodyWriter);

        using var unbounded = new HttpHarness();
        await unbounded.Db.IngestFileAsync(TestPaths.SampleCsv, "img");
        var streamed = await unbounded.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img&depth_min=9100&depth_max=9400&normalize=dynamic&window=40");
        Assert.Equal(streamed.Body, wide.Body);
    }

    [Fact]
    public async Task ARevalidatedStreamedPictureIsA304()
    {
        var first = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img&depth_min=9100&depth_max=9400");
        var again = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img&depth_min=9100&depth_max=9400",
            new Dictionary<string, string> { ["If-None-Match"] = first.Headers.ETag! });
        Assert.Equal(304, again.Status);
        Assert.Empty(again.Body);
    }

    [Fact]
    public async Task AStreamedPictureHoldsNoRenderSlotWhileItIsSent()
    {
        using var db = new TempDatabase(o => o.CacheMaxBytes = 400_000);
        await db.IngestFileAsync(TestPaths.SampleCsv, "img");
        var api = new FramesApi(db.Store, db.Ingest, new ResponseCache(db.Options, db.Store), new RenderGate(1, TimeSpan.FromMilliseconds(200)), db.Options);
        var unsent = api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9400"));
        try
        {
            Assert.NotNull(unsent.BodyWriter);
            var other = api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9120&format=webp"));
            Assert.Equal(200, other.Status);
        }
        finally
        {
            unsent.Owned?.Dispose();
        }
    }

    /// <summary>Two identical requests at once share one render when it is buffered; a streamed answer is read from
    /// its request's own snapshot, so the second request must get one of its own, not the first one's.</summary>
    [Fact]
    public async Task ConcurrentIdenticalRequestsNeverShareAStreamedAnswer()
    {
        var cache = new ResponseCache(_http.Db.Options, _http.Db.Store);
        var firstInside = new ManualResetEventSlim();
        ApiResponse Streamed() => new(200, "image/png", []) { BodyWriter = (_, _) => Task.CompletedTask };
        var first = Task.Run(() => cache.GetOrAdd("img", "k", () =>
        {
            firstInside.Set();
            Thread.Sleep(300); // the second request arrives meanwhile
            return Streamed();
        }));
        firstInside.Wait();
        var second = cache.GetOrAdd("img", "k", Streamed);
        Assert.NotSame(await first, second);
    }

    [Fact]
    public async Task TheWholeStreamedPictureDecodes()
    {
        var r = await _http.GetAsync((f, q) => f.GetFramesImage(q), "dataset=img");
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(r.Body);
        Assert.Equal((150, 5_460), (image.Width, image.Height));
    }

    private static Microsoft.AspNetCore.Http.IQueryCollection Query(string query) =>
        new Microsoft.AspNetCore.Http.QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));

    public void Dispose() => _http.Dispose();
}
