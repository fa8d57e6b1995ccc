using SixLabors.ImageSharp;

namespace ImageFrames.Tests;

/// <summary>Pictures near and past each format's own size limit (WebP 16,382 px, JPEG 65,534 px): answered,
/// or refused with a 400 naming the parameter and the limit — never a 500 from the encoder.</summary>
public sealed class LargeImageTests(LargeDataset data) : IClassFixture<LargeDataset>
{
    [Theory]
    [InlineData("webp", 16_382)]
    [InlineData("jpeg", 20_000)]
    [InlineData("png", 20_000)]
    public async Task TallestAllowedHeightsAreDrawn(string format, int height)
    {
        var r = await data.Http.GetAsync((f, q) => f.GetFramesImage(q), $"format={format}&height={height}&depth_max=3000");
        Assert.Equal(200, r.Status);
        Assert.Equal(height, Image.Identify(r.Body).Height);
    }

    [Theory]
    [InlineData("format=webp&height=16383", "height", "16382")]
    [InlineData("format=webp&depth_max=2000", "depth_min", "16382")]   // 20,001 rows, no height
    [InlineData("format=jpeg", "depth_min", "65534")]                  // all 70,000 rows
    [InlineData("format=jpeg&depth_max=6553.4", "depth_min", "65534")] // 65,535 rows
    public async Task TooTallForTheFormatIsA400NamingTheLimit(string query, string parameter, string limit)
    {
        var r = await data.Http.GetAsync((f, q) => f.GetFramesImage(q), query);
        Assert.Equal(400, r.Status);
        Assert.Equal("application/problem+json", r.ContentType);
        Assert.Equal(parameter, r.Json.GetProperty("parameter").GetString());
        Assert.Contains(limit, r.Json.GetProperty("detail").GetString());
    }

    /// <summary>Every format × height × window combination around the limits: only 200 or 400.</summary>
    [Fact]
    public async Task FormatHeightAndWindowCombinationsNeverFail()
    {
        int?[] heights = [null, 1, 16_381, 16_382, 16_383, 16_384, 19_999, 20_000, 20_001];
        string[] windows = ["", "depth_max=1638.1", "depth_max=1638.2", "depth_max=1638.3", "depth_max=6553.4", "depth_max=6553.5", "depth_min=100&depth_max=100"];
        foreach (var format in new[] { "png", "webp", "jpeg" })
            foreach (var height in heights)
                foreach (var window in windows)
                {
                    var query = $"format={format}&{window}" + (height is { } h ? $"&height={h}" : "");
                    var r = await data.Http.GetAsync((f, q) => f.GetFramesImage(q), query);
                    Assert.True(r.Status is 200 or 400, $"{query}: {r.Status} {r.Text}");
                }
    }
}
