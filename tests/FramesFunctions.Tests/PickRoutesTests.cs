using System.Text;
using ImageFrames.Functions;
using ImageFrames.Serve;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Tests;

/// <summary>
/// The pick routes through their function class: picks added in each of their three forms (true attitude, trace,
/// points fitted), listed as JSON and CSV by depth and kind, replaced and deleted; writes need the admin token;
/// every bad field or parameter is a 400 naming it, and random bodies never a 5xx.
/// </summary>
public sealed class PickRoutesTests : IDisposable
{
    private readonly HttpHarness _http = new(o => o.AdminToken = AdminTests.Token);
    private readonly PickFunctions _picks;

    public PickRoutesTests()
    {
        _http.Db.IngestTextAsync(Csv.Of(8, ("1000", 10), ("1050", 20), ("1100", 30)), "well").GetAwaiter().GetResult();
        _picks = _http.Picks;
    }

    public void Dispose() => _http.Dispose();

    private static Dictionary<string, string> Admin => new() { ["X-Admin-Token"] = AdminTests.Token };

    private async Task<HttpHarness.Response> PostAsync(string body, string query = "", Dictionary<string, string>? headers = null, string dataset = "well")
    {
        var request = HttpHarness.Request("POST", query, headers ?? Admin, Encoding.UTF8.GetBytes(body));
        return await HttpHarness.SendAsync(request, await _picks.AddPicks(request, dataset));
    }

    private async Task<HttpHarness.Response> ListAsync(string query = "")
    {
        var request = HttpHarness.Request("GET", query);
        return await HttpHarness.SendAsync(request, _picks.ListPicks(request, "well"));
    }

    [Fact]
    public async Task PicksInEachFormAreStoredAsTrueAttitudes()
    {
        var created = await PostAsync("""{"picks":[{"depth":1010,"dip":35,"azimuth":120,"kind":"fracture-open","label":"F1","confidence":0.9}]}""");
        Assert.Equal(201, created.Status);
        var first = created.Json.GetProperty("picks")[0];
        Assert.Equal((1010.0, 35.0, 120.0, "fracture-open", "manual"), (first.GetProperty("depth").GetDouble(), first.GetProperty("dip").GetDouble(),
            first.GetProperty("azimuth").GetDouble(), first.GetProperty("kind").GetString(), first.GetProperty("source").GetString()));

        // A trace 8.5 in high in an 8.5-in hole, depths in ft: amplitude 4.25 in is a 45° dip toward the phase.
        var trace = await PostAsync($$"""{"depth":1020,"amplitude":{{4.25 / 12}},"phase":200,"kind":"bed"}""", "diameter=8.5&depth_unit=ft");
        Assert.Equal(201, trace.Status);
        Assert.Equal(45, trace.Json.GetProperty("picks")[0].GetProperty("dip").GetDouble(), 9);
        Assert.Equal(200, trace.Json.GetProperty("picks")[0].GetProperty("azimuth").GetDouble(), 9);

        // Points on a 30° plane dipping toward 60°, in a 216-mm hole and metres — fitted, with the residual.
        var sinusoid = Interpret.Sinusoid.Of(1030, new Interpret.Plane(30, 60), 0.216);
        var points = string.Join(",", new[] { 10.0, 100, 190, 280 }.Select(a => $"[{sinusoid.DepthAt(a):R},{a}]"));
        var fitted = await PostAsync($$"""{"points":[{{points}}],"kind":"fault","source":"manual"}""", "diameter=216&diameter_unit=mm&depth_unit=m");
        Assert.Equal(201, fitted.Status);
        var fit = fitted.Json.GetProperty("picks")[0];
        Assert.Equal(30, fit.GetProperty("dip").GetDouble(), 6);
        Assert.Equal(60, fit.GetProperty("azimuth").GetDouble(), 6);
        Assert.Equal(1030, fit.GetProperty("depth").GetDouble(), 6);
        Assert.True(fit.GetProperty("residual").GetDouble() < 1e-9);

        var all = await ListAsync();
        Assert.Equal([1010.0, 1020, 1030], all.Json.GetProperty("picks").EnumerateArray().Select(p => p.GetProperty("depth").GetDouble()));
        Assert.Equal([1020.0], (await ListAsync("kind=bed")).Json.GetProperty("picks").EnumerateArray().Select(p => p.GetProperty("depth").GetDouble()));
        Assert.Equal([1010.0], (await ListAsync("depth_max=1015")).Json.GetProperty("picks").EnumerateArray().Select(p => p.GetProperty("depth").GetDouble()));
        var csv = await ListAsync("format=csv");
        Assert.StartsWith("text/csv", csv.ContentType);
        Assert.StartsWith("id,depth,dip,azimuth,kind,source,label,confidence,residual,created_at\n", csv.Text);
        Assert.Contains(",1010,35,120,fracture-open,manual,\"F1\",0.9,,", csv.Text);
    }

    [Fact]
    public async Task APickIsReplacedAndDeletedByItsIdAndWritesNeedTheToken()
    {
        var id = (await PostAsync("""{"depth":1010,"dip":10,"azimuth":20,"kind":"bed"}""")).Json.GetProperty("picks")[0].GetProperty("id").GetInt64();
        Assert.Equal(401, (await PostAsync("""{"depth":1010,"dip":10,"azimuth":20,"kind":"bed"}""", headers: [])).Status);

        var patch = HttpHarness.Request("PATCH", "", Admin, Encoding.UTF8.GetBytes("""{"depth":1011,"dip":12,"azimuth":22,"kind":"fault","label":"moved"}"""));
        var replaced = await HttpHarness.SendAsync(patch, await _picks.ReplacePick(patch, "well", id.ToString()));
        Assert.Equal(200, replaced.Status);
        Assert.Equal("moved", replaced.Json.GetProperty("picks")[0].GetProperty("label").GetString());

        var unauthorised = HttpHarness.Request("DELETE", "");
        Assert.Equal(401, (await HttpHarness.SendAsync(unauthorised, _picks.DeletePick(unauthorised, "well", id.ToString()))).Status);
        var delete = HttpHarness.Request("DELETE", "", Admin);
        Assert.Equal(204, (await HttpHarness.SendAsync(delete, _picks.DeletePick(delete, "well", id.ToString()))).Status);
        delete = HttpHarness.Request("DELETE", "", Admin);
        Assert.Equal(404, (await HttpHarness.SendAsync(delete, _picks.DeletePick(delete, "well", id.ToString()))).Status);
        Assert.Empty((await ListAsync()).Json.GetProperty("picks").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"depth":1010,"dip":95,"azimuth":20,"kind":"bed"}""", "", "pick.dip")]
    [InlineData("""{"depth":1010,"dip":10,"azimuth":361,"kind":"bed"}""", "", "pick.azimuth")]
    [InlineData("""{"depth":5000,"dip":10,"azimuth":20,"kind":"bed"}""", "", "pick.depth")]
    [InlineData("""{"depth":1010,"dip":10,"azimuth":20,"kind":"vein"}""", "", "pick.kind")]
    [InlineData("""{"depth":1010,"dip":10,"azimuth":20,"kind":"bed","confidence":2}""", "", "pick.confidence")]
    [InlineData("""{"depth":1010,"dip":10,"azimuth":20,"kind":"bed","colour":"red"}""", "", "pick.colour")]
    [InlineData("""{"picks":[{"depth":1010,"dip":10,"azimuth":20,"kind":"bed"},{"points":[[1010,0],[1011,90]],"kind":"bed"}]}""", "diameter=8.5&depth_unit=ft", "picks[1].points")]
    [InlineData("""{"points":[[1010,0],[1011,90],[1010,180]],"kind":"bed"}""", "", "diameter")]
    [InlineData("""{"depth":1010,"amplitude":0.1,"phase":90,"kind":"bed"}""", "diameter=8.5", "depth_unit")]
    [InlineData("""{"depth":1010,"amplitude":0.1,"phase":90,"kind":"bed"}""", "diameter=8.5&diameter_unit=yd&depth_unit=ft", "diameter_unit")]
    [InlineData("""not json""", "", "body")]
    [InlineData("""{"picks":[]}""", "", "picks")]
    public async Task ABadPickIsRefusedNamingItsFieldAndNothingIsStored(string body, string query, string field)
    {
        var refused = await PostAsync(body, query);
        Assert.Equal(400, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        var named = refused.Json.TryGetProperty("field", out var f) ? f.GetString() : refused.Json.GetProperty("parameter").GetString();
        Assert.Equal(field, named);
        Assert.Empty((await ListAsync()).Json.GetProperty("picks").EnumerateArray()); // all or none
    }

    [Fact]
    public async Task RandomBodiesAndParametersNeverGiveA5xx()
    {
        var random = new Random(28);
        string[] pieces = ["{", "}", "[", "]", "\"depth\":", "\"dip\":", "\"azimuth\":", "\"points\":", "\"kind\":\"bed\"", "\"amplitude\":", "\"phase\":", ",", "1e308", "-1", "0", "1010", "NaN", "\"x\"", "null", "true", "[1010,400]"];
        string[] queries = ["", "diameter=8.5&depth_unit=ft", "diameter=-1", "diameter=8.5&depth_unit=yd", "depth_unit=m&diameter=1e308"];
        for (var i = 0; i < 400; i++)
        {
            var body = string.Concat(Enumerable.Range(0, random.Next(1, 14)).Select(_ => pieces[random.Next(pieces.Length)]));
            var answer = await PostAsync(body, queries[random.Next(queries.Length)]);
            Assert.True(answer.Status is 201 or 400, $"{answer.Status} for {body}");
        }
        foreach (var query in new[] { "kind=x", "format=xml", "depth_min=a", "depth_min=5&depth_max=1", "kind=bed&kind=bed" })
            Assert.Equal(400, (await ListAsync(query)).Status);
    }
}
