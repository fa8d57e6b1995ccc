using System.Text.Json;

namespace ImageFrames.Tests;

/// <summary>
/// GET /api/frames/statistics: a window's count, absent count, min, max, mean, std, percentiles and histogram
/// (TiTiler's vocabulary), in greys and — for datasets with physical values — in values with their unit, equal to
/// a direct computation on the stored rows (read back through /api/frames).
/// </summary>
public sealed class StatisticsTests : IDisposable
{
    private readonly HttpHarness _http = new();

    public void Dispose() => _http.Dispose();

    private Task<HttpHarness.Response> StatisticsAsync(string query) => _http.GetAsync((f, q) => f.GetStatistics(q), query);

    /// <summary>numpy.percentile's default: linear between the order statistics around p × (n − 1).</summary>
    private static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        var position = p / 100 * (sorted.Count - 1);
        var (low, high) = ((int)Math.Floor(position), (int)Math.Ceiling(position));
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    /// <summary>numpy.histogram's default: equal bins over min..max, the last one closed.</summary>
    private static (long[] Counts, double[] Edges) Histogram(IReadOnlyList<double> values, int bins)
    {
        var (min, max) = (values.Min(), values.Max());
        var edges = Enumerable.Range(0, bins + 1).Select(i => min + (max - min) * i / bins).ToArray();
        var counts = new long[bins];
        foreach (var v in values) counts[max == min ? 0 : Math.Min(bins - 1, (int)((v - min) / (max - min) * bins))]++;
        return (counts, edges);
    }

    private static void AssertStatistics(JsonElement actual, IReadOnlyList<double> present, long absent, int bins, double[] percentiles)
    {
        var sorted = present.Order().ToList();
        var mean = sorted.Average();
        Assert.Equal(sorted.Count, actual.GetProperty("count").GetInt64());
        Assert.Equal(absent, actual.GetProperty("absent").GetInt64());
        Assert.Equal(sorted[0], actual.GetProperty("min").GetDouble());
        Assert.Equal(sorted[^1], actual.GetProperty("max").GetDouble());
        Assert.Equal(mean, actual.GetProperty("mean").GetDouble(), 9);
        Assert.Equal(Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Count), actual.GetProperty("std").GetDouble(), 9);
        foreach (var p in percentiles)
            Assert.Equal(Percentile(sorted, p), actual.GetProperty($"percentile_{p.ToString(System.Globalization.CultureInfo.InvariantCulture)}").GetDouble(), 9);
        var (counts, edges) = Histogram(sorted, bins);
        var histogram = actual.GetProperty("histogram");
        Assert.Equal(counts, histogram[0].EnumerateArray().Select(c => c.GetInt64()));
        Assert.Equal(edges.Select(e => Math.Round(e, 9)), histogram[1].EnumerateArray().Select(e => Math.Round(e.GetDouble(), 9)));
    }

    [Fact]
    public async Task GreysOfACsvWindowAreWhatTheStoredRowsHold()
    {
        var random = new Random(7);
        var csv = Csv.Header(150) + "\n" + string.Join("\n", Enumerable.Range(0, 400).Select(i => Csv.Row(i.ToString(), Enumerable.Range(0, 150).Select(_ => random.Next(0, 256))))) + "\n";
        await _http.Db.IngestTextAsync(csv, "csv");
        var answer = await StatisticsAsync("dataset=csv&depth_min=100&depth_max=250.5&bins=7&percentiles=2,50,98,12.5");
        Assert.Equal(200, answer.Status);
        var frames = (await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=csv&depth_min=100&depth_max=250.5&limit=1000")).Json.GetProperty("frames");
        var greys = frames.EnumerateArray().SelectMany(f => f.GetProperty("pixels").EnumerateArray().Select(p => (double)p.GetInt32())).ToList();
        Assert.Equal(151, answer.Json.GetProperty("rows").GetInt32());
        AssertStatistics(answer.Json.GetProperty("greys"), greys, 0, 7, [2, 50, 98, 12.5]);
        Assert.False(answer.Json.TryGetProperty("values", out _)); // a CSV has greys only
    }

    /// <summary>Few distinct greys, where percentiles fall between two of them and must be interpolated.</summary>
    [Fact]
    public async Task PercentilesBetweenTwoGreysAreInterpolated()
    {
        using var http = new HttpHarness(o => o.TargetWidth = 4);
        await http.Db.IngestTextAsync("depth,a,b,c,d\n1,0,10,20,30\n2,40,50,60,70\n", "few");
        var greys = (await http.GetAsync((f, q) => f.GetStatistics(q), "dataset=few&percentiles=50,10,99&bins=2")).Json.GetProperty("greys");
        Assert.Equal((35.0, 7.0, 69.3), (Math.Round(greys.GetProperty("percentile_50").GetDouble(), 9), Math.Round(greys.GetProperty("percentile_10").GetDouble(), 9), Math.Round(greys.GetProperty("percentile_99").GetDouble(), 9)));
        Assert.Equal([4L, 4L], greys.GetProperty("histogram")[0].EnumerateArray().Select(c => c.GetInt64()));
        AssertStatistics(greys, [0, 10, 20, 30, 40, 50, 60, 70], 0, 2, [50, 10, 99]);
    }

    [Fact]
    public async Task ADlisWindowHasValuesWithTheirUnitAndSkipsAbsentSamples()
    {
        await using (var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Data", "dlis", "ubi_feet_decreasing.dlis")))
            await _http.Db.Ingest.IngestAsync(stream, null, "ubi_feet_decreasing.dlis");
        var answer = (await StatisticsAsync("dataset=ubi_feet_decreasing")).Json;
        var frames = (await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=ubi_feet_decreasing&limit=1000")).Json.GetProperty("frames").EnumerateArray().ToList();
        var values = frames.SelectMany(f => f.GetProperty("values").EnumerateArray()).ToList();
        var present = values.Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToList();
        var absent = values.Count(v => v.ValueKind == JsonValueKind.Null);
        Assert.True(absent > 0);
        AssertStatistics(answer.GetProperty("values"), present, absent, 10, [2, 98]);
        Assert.Equal("dB", answer.GetProperty("values").GetProperty("unit").GetString());
        var greys = frames.SelectMany(f => f.GetProperty("pixels").EnumerateArray().Select(p => p.GetInt32())).Where(g => g != 0).Select(g => (double)g).ToList();
        AssertStatistics(answer.GetProperty("greys"), greys, absent, 10, [2, 98]);
    }

    [Theory]
    [InlineData("dataset=csv&bins=0", "bins")]
    [InlineData("dataset=csv&bins=100000", "bins")]
    [InlineData("dataset=csv&percentiles=2,x", "percentiles")]
    [InlineData("dataset=csv&percentiles=101", "percentiles")]
    [InlineData("dataset=csv&depth_min=5&depth_max=1", "depth_min")]
    public async Task BadParametersAreProblemsNamingThem(string query, string parameter)
    {
        await _http.Db.IngestTextAsync(Csv.Of(4, ("1", 5), ("2", 6)), "csv");
        var answer = await StatisticsAsync(query);
        Assert.Equal((400, parameter), (answer.Status, answer.Json.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task AnEmptyWindowIsANotFoundProblem()
    {
        await _http.Db.IngestTextAsync(Csv.Of(4, ("1", 5), ("2", 6)), "csv");
        Assert.Equal(404, (await StatisticsAsync("dataset=csv&depth_min=50")).Status);
        Assert.Equal(404, (await StatisticsAsync("dataset=nothing")).Status);
    }
}
