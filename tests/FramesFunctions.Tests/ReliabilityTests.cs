using System.Text;
using ImageFrames.Functions;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>Re-delivery, concurrent ingests, readers during an ingest and hostile query strings.</summary>
public sealed class ReliabilityTests
{
    [Fact]
    public async Task NoGeneratedQueryStringProducesA500()
    {
        using var http = new HttpHarness();
        // The realistic sample (5,460 rows, depths 9000.1..9546, overview levels): windows and heights have
        // real rows to select, resample and encode, not three.
        await http.Db.IngestFileAsync(TestPaths.SampleCsv, "fuzz");
        var random = new Random(1234);
        string[] names = ["dataset", "depth_min", "depth_max", "limit", "offset", "colormap", "rescale", "format", "height", "x"];
        string[] values = ["", "0", "-1", "1e308", "1e-400", "NaN", "-Infinity", "9999999999999999999999", "%00", "%FF%FE", "'; DROP TABLE frames;--",
            "fuzz", "FUZZ", "9000.1", "9100", "9546", "9545.95", "1000", "16383", "20000", "..%2F..%2Fetc", "0:000000,255:ffffff", "viridis_r", "10,5", "png", "webp", "jpeg", "gif", "１２３", "💥", new string('9', 5000), "1,2,3", "0x10", " 5 "];
        var routes = new Func<HttpFunctions, Microsoft.AspNetCore.Http.HttpRequest, Microsoft.AspNetCore.Mvc.IActionResult>[]
        {
            (f, q) => f.GetFrames(q), (f, q) => f.GetFramesImage(q), (f, q) => f.GetColormap(q, "viridis"),
            (f, q) => f.GetDataset(q, "fuzz"), (f, q) => f.ListDatasets(q), (f, q) => f.CacheStats(q),
            (f, q) => f.Health(q).Result, (f, q) => f.ListColormaps(q), (f, q) => f.OpenApi(q), (f, q) => f.DocsPage(q),
        };
        for (var i = 0; i < 11 * 1_000; i++) // 1,000 generated query strings per GET route
        {
            var parts = Enumerable.Range(0, random.Next(0, 6)).Select(_ => $"{names[random.Next(names.Length)]}={Uri.EscapeDataString(Uri.UnescapeDataString(values[random.Next(values.Length)]))}");
            var query = string.Join("&", parts);
            var r = await http.GetAsync(routes[i % routes.Length], query);
            Assert.True(r.Status is 200 or 304 or 400 or 404, $"{r.Status} for ?{query}: {r.Text}");
            if (r.Status == 400) Assert.Equal("application/problem+json", r.ContentType);
            Assert.DoesNotContain("   at ", r.Text); // never a stack trace
        }
    }
}
