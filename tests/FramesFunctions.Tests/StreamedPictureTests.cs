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

    [Fact]
    public void PicturesTooBigToCacheAreStreamedAndNotCached()
    {
        var small = _http.Api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9120"));
        Assert.Null(small.BodyWriter);
        Assert.NotEmpty(small.Body);

        var streamed = _http.Api.FramesImage(Query("dataset=img&depth_min=9100&depth_max=9400"));
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
