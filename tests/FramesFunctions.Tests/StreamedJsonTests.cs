using ImageFrames.Render;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>JSON answers too big for the response cache (frame pages of value datasets or with row pictures, long
/// curve windows) are written to the response as they are produced: the same bytes as the buffered answer.</summary>
public sealed class StreamedJsonTests : IDisposable
{
    // An eighth of 400 KB: pages whose worst case passes 50 KB are streamed.
    private readonly HttpHarness _http = new(o => o.CacheMaxBytes = 400_000);

    public StreamedJsonTests()
    {
        _http.Db.IngestFileAsync(TestPaths.SampleCsv, "img").GetAwaiter().GetResult();
        _http.Db.IngestFileAsync(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "fmi_small.dlis"), "fmi").GetAwaiter().GetResult();
    }

    [Theory]
    [InlineData("dataset=img&limit=1000", true)]
    [InlineData("dataset=img&limit=1000&offset=4900&colormap=viridis", true)] // a short last page, row pictures
    [InlineData("dataset=fmi&limit=1000", true)]                             // values beside the greys
    [InlineData("dataset=img&limit=20", false)]
    public async Task AStreamedFramesPageHasTheBytesOfTheBufferedOne(string query, bool streamed)
    {
        var answer = _http.Api.Frames(Query(query));
        answer.Owned?.Dispose();
        Assert.Equal(streamed, answer.BodyWriter is not null);

        var r = await _http.GetAsync((f, q) => f.GetFrames(q), query);
        Assert.Equal(200, r.Status);
        var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        var (limit, offset) = (int.Parse(q["limit"]!), q.TryGetValue("offset", out var o) ? int.Parse(o!) : 0);
        var window = _http.Db.Store.ReadFrames(q["dataset"]!, DepthRange.All, limit, offset)!;
        var map = q.TryGetValue("colormap", out var name) ? ColorMaps.Named[name!] : null;
        var buffered = FramesJson.Write(window, new FramesJson.Page(DepthRange.All, limit, offset, map?.Name, map?.Table(null)));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(buffered), r.Text);
        Assert.False(string.IsNullOrEmpty(r.Headers.ETag));
    }

    [Fact]
    public async Task AStreamedCurvesWindowHasTheBytesOfTheBufferedOne()
    {
        using var tiny = new HttpHarness(o => o.CacheMaxBytes = 40_000); // 5 KB answers at most: 300 rows of curves stream
        await tiny.Db.IngestFileAsync(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "fmi_small.dlis"), "fmi");
        Assert.NotNull(tiny.Api.Curves("fmi", Query("")).BodyWriter);
        var r = await tiny.GetAsync((f, q) => f.GetCurves(q, "fmi"));
        Assert.Equal(200, r.Status);
        var window = tiny.Db.Store.ReadCurves("fmi", DepthRange.All, int.MaxValue, d => DatasetValues.Of(d)!.Curves.Count)!;
        Assert.Equal(System.Text.Encoding.UTF8.GetString(CurvesJson.Answer(window, DatasetValues.Of(window.Dataset), maxBuffered: long.MaxValue).Body), r.Text);
        Assert.False(string.IsNullOrEmpty(r.Headers.ETag));

        Assert.Null(_http.Api.Curves("fmi", Query("")).BodyWriter); // 50 KB allowed: buffered
    }

    private static Microsoft.AspNetCore.Http.IQueryCollection Query(string query) =>
        new Microsoft.AspNetCore.Http.QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));

    public void Dispose() => _http.Dispose();
}
