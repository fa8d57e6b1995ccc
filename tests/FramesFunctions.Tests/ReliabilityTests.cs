using System.Text;
using ImageFrames.Functions;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>Re-delivery, concurrent ingests, readers during an ingest and hostile query strings.</summary>
public sealed class ReliabilityTests
{
    [Fact]
    public async Task TheSameFileDeliveredConcurrentlyIsStoredOnce()
    {
        using var db = new TempDatabase();
        var csv = Encoding.UTF8.GetBytes(Csv.Header(200) + "\n" + string.Join("\n", Enumerable.Range(0, 20_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(i % 256, 200)))) + "\n");
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => db.IngestBytesAsync(csv, "same"))));
        Assert.Equal(1, results.Count(r => r.Status == IngestStatus.Succeeded));
        Assert.Equal(2, results.Count(r => r.Status == IngestStatus.Unchanged));
        Assert.Equal(20_000, db.Store.ReadFrames("same", DepthRange.All, 1, 0)!.Total);
    }

    [Fact]
    public async Task ReadersDuringAReingestSeeWhollyTheOldOrWhollyTheNewVersion()
    {
        using var db = new TempDatabase();
        string Version(int value) => Csv.Header(200) + "\n" + string.Join("\n", Enumerable.Range(0, 100_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(value, 200)))) + "\n";
        await db.IngestTextAsync(Version(10), "live");
        var ingest = Task.Run(() => db.IngestTextAsync(Version(20), "live"));
        var seen = new HashSet<int>();
        while (!ingest.IsCompleted)
        {
            var window = db.Store.ReadFrames("live", new DepthRange(100, 99_900), 1000, 0)!;
            Assert.Equal(99_801, window.Total);
            var first = window.Row(0)[0];
            Assert.All(window.Pixels.ToArray(), v => Assert.Equal(first, v)); // never a mix of versions
            seen.Add(first);
        }
        Assert.Equal(IngestStatus.Succeeded, (await ingest).Status);
        Assert.Contains(10, seen);
        Assert.Equal(20, db.Store.ReadFrames("live", DepthRange.All, 1, 0)!.Row(0)[0]);
    }

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
