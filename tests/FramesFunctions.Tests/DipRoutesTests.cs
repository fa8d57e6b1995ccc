using System.Text;
using ImageFrames.Sample;
using ImageFrames.Store;

namespace ImageFrames.Tests;

/// <summary>
/// The automatic picker through its routes: on a sample log it finds the planes the sample planted (matched as the
/// quality bench matches them), answers from the cache the second time, and keeps its planes as picks when an
/// admin accepts them; a missing diameter or depth unit, or a bad sensitivity, is a 400 naming it; random
/// parameters never give a 5xx.
/// </summary>
public sealed class DipRoutesTests : IDisposable
{
    private const double DiameterFeet = 8.5 / 12;
    private static readonly SampleLogSpec Spec = new(Rows: 1500, Seed: 7);
    private readonly HttpHarness _http = new(o => o.AdminToken = AdminTests.Token);

    public DipRoutesTests()
    {
        using var csv = new MemoryStream();
        SampleLog.Write(Spec, csv);
        _http.Db.IngestBytesAsync(csv.ToArray(), "sample").GetAwaiter().GetResult();
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpHarness.Response> DipsAsync(string query)
    {
        var request = HttpHarness.Request("GET", query);
        return await HttpHarness.SendAsync(request, _http.Picks.GetDips(request));
    }

    private async Task<HttpHarness.Response> AcceptAsync(string query, bool admin = true)
    {
        var request = HttpHarness.Request("POST", query, admin ? new Dictionary<string, string> { ["X-Admin-Token"] = AdminTests.Token } : []);
        return await HttpHarness.SendAsync(request, _http.Picks.AcceptDips(request, "sample"));
    }

    [Fact]
    public async Task ThePlantedPlanesAreFoundAndAcceptedAsPicks()
    {
        var answer = await DipsAsync("dataset=sample&diameter=8.5&depth_unit=ft");
        Assert.Equal(200, answer.Status);
        Assert.Equal(("ft", "request"), (answer.Json.GetProperty("depth_unit").GetString(), answer.Json.GetProperty("diameter_source").GetString()));
        var dips = answer.Json.GetProperty("dips").EnumerateArray().Select(d => (Depth: d.GetProperty("depth").GetDouble(), Dip: d.GetProperty("apparent_dip").GetDouble(),
            Azimuth: d.GetProperty("apparent_azimuth").GetDouble())).ToList();
        Assert.Equal(dips.OrderBy(d => d.Depth), dips);
        var planted = SampleLog.Planes(Spec, DiameterFeet);
        var matched = planted.Count(p => dips.Any(d => Math.Abs(d.Depth - p.Depth) <= Math.Max(0.3, 0.2 * p.Amplitude) && Math.Abs(d.Dip - p.Dip) <= 5));
        Assert.True(matched >= 0.6 * planted.Count, $"{matched} of {planted.Count} planted planes found");
        Assert.True(matched >= 0.6 * dips.Count, $"{matched} of {dips.Count} detections are planted planes");

        var again = await DipsAsync("dataset=sample&diameter=8.5&depth_unit=ft");
        Assert.Equal(answer.Body, again.Body);
        Assert.True(_http.Cache.Stats().Hits >= 1);

        Assert.Equal(401, (await AcceptAsync("diameter=8.5&depth_unit=ft&depth_min=9000&depth_max=9050", admin: false)).Status);
        var accepted = await AcceptAsync("diameter=8.5&depth_unit=ft&depth_min=9000&depth_max=9050&min_score=1");
        Assert.Equal(201, accepted.Status);
        var picks = accepted.Json.GetProperty("picks").EnumerateArray().ToList();
        var expected = dips.Count(d => d.Depth is >= 9000 and <= 9050) ;
        Assert.InRange(picks.Count, 1, expected);
        Assert.All(picks, p => Assert.Equal("auto", p.GetProperty("source").GetString()));
        Assert.All(picks, p => Assert.InRange(p.GetProperty("confidence").GetDouble(), 0.9, 1)); // score ≥ 1: at most 0.1 false alarms
    }

    [Fact]
    public async Task ALogsCaliperDeviationAndPadAzimuthGiveTheTruePlane()
    {
        // A LAS image log in metres of a hole leaning 30° toward north, 8.5 in wide by its caliper, the image's first
        // column on pad 1 facing east (P1AZ = 90): a true plane dipping 50° toward 120° crosses it at 1010 m. The
        // picture is drawn from the apparent plane (the hole's frame, DipGeometryTests' construction), turned by the pad
        // azimuth; a few samples are absent.
        var truePlane = new Interpret.Plane(50, 120);
        var hole = new Interpret.HoleDirection(30, 0);
        var apparent = hole.ToApparent(truePlane);
        var trace = Interpret.Sinusoid.Of(1010, apparent, 8.5 * 0.0254);
        const int columns = 72;
        var las = new LasText().Curve("DEPT", "M").Image(i => $"IMG[{i}]", columns, "OHMM").Curve("CALI", "IN").Curve("DEVI", "DEG").Curve("HAZI", "DEG").Curve("P1AZ", "DEG");
        var random = new Random(30);
        for (var row = 0; row < 300; row++)
        {
            var depth = Math.Round(1008.5 + row * 0.01, 2);
            var image = Enumerable.Range(0, columns).Select(c =>
                row == 150 && c % 7 == 0 ? -999.25 : (depth > trace.DepthAt(c * 360.0 / columns + 90) ? 20.0 : 10.0) + random.NextDouble() * 2);
            las.Row([depth, .. image, 8.5, 30, 0, 90]);
        }
        Assert.Equal(IngestStatus.Succeeded, (await _http.Db.Ingest.IngestAsync(new MemoryStream(las.ToBytes()), "deviated", "deviated.las")).Status);

        var answer = await DipsAsync("dataset=deviated");
        Assert.Equal(200, answer.Status);
        Assert.Equal(("m", "CALI"), (answer.Json.GetProperty("depth_unit").GetString(), answer.Json.GetProperty("diameter_source").GetString()));
        Assert.Equal(("P1AZ", "DEVI+HAZI"), (answer.Json.GetProperty("metadata").GetProperty("orientation").GetString(), answer.Json.GetProperty("metadata").GetProperty("deviation").GetString()));
        // The plane, and nothing else ten times as meaningful as the threshold (at score 0 noise may give one).
        var dip = Assert.Single(answer.Json.GetProperty("dips").EnumerateArray(), d => d.GetProperty("score").GetDouble() >= 1);
        Assert.Equal(1010, dip.GetProperty("depth").GetDouble(), 0.01);
        Assert.Equal(apparent.Dip, dip.GetProperty("apparent_dip").GetDouble(), 1.0);
        Assert.InRange(Math.Abs(Interpret.Plane.Normalize(dip.GetProperty("apparent_azimuth").GetDouble() - apparent.Azimuth + 180) - 180), 0, 2.0);
        Assert.Equal(truePlane.Dip, dip.GetProperty("dip").GetDouble(), 1.0);
        Assert.InRange(Math.Abs(Interpret.Plane.Normalize(dip.GetProperty("azimuth").GetDouble() - truePlane.Azimuth + 180) - 180), 0, 2.0);
        Assert.Equal(400, (await DipsAsync("dataset=deviated&depth_unit=ft")).Status); // the file says metres

        // Kept as a pick, the plane is stored true; listed, it also carries its trace as this hole shows it.
        var accept = HttpHarness.Request("POST", "min_score=1", new Dictionary<string, string> { ["X-Admin-Token"] = AdminTests.Token });
        Assert.Equal(201, (await HttpHarness.SendAsync(accept, _http.Picks.AcceptDips(accept, "deviated"))).Status);
        var list = HttpHarness.Request("GET");
        var pick = Assert.Single((await HttpHarness.SendAsync(list, _http.Picks.ListPicks(list, "deviated"))).Json.GetProperty("picks").EnumerateArray());
        Assert.Equal(dip.GetProperty("dip").GetDouble(), pick.GetProperty("dip").GetDouble(), 0.01);
        Assert.Equal(dip.GetProperty("apparent_dip").GetDouble(), pick.GetProperty("apparent_dip").GetDouble(), 0.01);
        Assert.Equal(dip.GetProperty("apparent_azimuth").GetDouble(), pick.GetProperty("apparent_azimuth").GetDouble(), 0.01);
        Assert.Equal(dip.GetProperty("amplitude").GetDouble(), pick.GetProperty("amplitude").GetDouble(), 0.001);
    }

    [Theory]
    [InlineData("dataset=sample", "diameter")]
    [InlineData("dataset=sample&diameter=8.5", "depth_unit")]
    [InlineData("dataset=sample&diameter=8.5&depth_unit=yd", "depth_unit")]
    [InlineData("dataset=sample&diameter=-1&depth_unit=ft", "diameter")]
    [InlineData("dataset=sample&diameter=8.5&diameter_unit=furlong&depth_unit=ft", "diameter_unit")]
    [InlineData("dataset=sample&diameter=8.5&depth_unit=ft&sensitivity=99", "sensitivity")]
    [InlineData("dataset=sample&diameter=8.5&depth_unit=ft&depth_min=x", "depth_min")]
    [InlineData("diameter=8.5&depth_unit=ft", "dataset")]
    [InlineData("dataset=Not%20an%20id&diameter=8.5&depth_unit=ft", "dataset")]
    public async Task ABadParameterIsA400NamingIt(string query, string parameter)
    {
        var answer = await DipsAsync(query);
        Assert.Equal(400, answer.Status);
        Assert.Equal(parameter, answer.Json.GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task RandomParametersNeverGiveA5xx()
    {
        var random = new Random(28);
        string[] names = ["dataset", "depth_min", "depth_max", "diameter", "diameter_unit", "depth_unit", "sensitivity"];
        string[] values = ["sample", "", "-1", "0", "1e308", "NaN", "9100", "9000", "8.5", "in", "mm", "ft", "m", "x", "%00", "3", "-10", "99999999999999999999"];
        for (var i = 0; i < 150; i++)
        {
            var query = string.Join("&", names.Where(_ => random.Next(3) > 0).Select(n => $"{n}={values[random.Next(values.Length)]}"));
            var answer = await DipsAsync(query);
            Assert.True(answer.Status < 500, $"{query} → {answer.Status} {answer.Text}");
        }
    }
}
