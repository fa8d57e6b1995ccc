using System.Text;
using ImageFrames.Functions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace ImageFrames.Tests;

public sealed class AdminTests : IDisposable
{
    internal const string Token = "s3cret-admin-token-for-tests-0123456789";
    private readonly HttpHarness _http = new(o => o.AdminToken = Token);

    public void Dispose() => _http.Dispose();

    private static Dictionary<string, string> WithToken(string token) => new() { ["X-Admin-Token"] = token };

    private async Task<HttpHarness.Response> PostAsync(HttpHarness http, string id, string csv, Dictionary<string, string>? headers, string query = "")
    {
        var request = HttpHarness.Request("POST", query, headers, Encoding.UTF8.GetBytes(csv));
        return await HttpHarness.SendAsync(request, await http.Admin.IngestDataset(request, id));
    }

    [Fact]
    public async Task IngestNeedsTheRightTokenInTheHeader()
    {
        var csv = Csv.Of(200, ("1", 10), ("2", 20));
        Assert.Equal(401, (await PostAsync(_http, "posted", csv, null)).Status);
        Assert.Equal(401, (await PostAsync(_http, "posted", csv, WithToken("wrong"))).Status);
        Assert.Equal(401, (await PostAsync(_http, "posted", csv, WithToken(Token + "x"))).Status);
        Assert.Equal(401, (await PostAsync(_http, "posted", csv, null, $"X-Admin-Token={Token}&admin_token={Token}")).Status);
        Assert.Empty(_http.Db.Store.ListDatasets());

        var created = await PostAsync(_http, "posted", csv, WithToken(Token));
        Assert.Equal(201, created.Status);
        Assert.Equal(2, created.Json.GetProperty("rows").GetInt32());
        var again = await PostAsync(_http, "posted", csv, WithToken(Token));
        Assert.Equal(200, again.Status);
        Assert.Equal("unchanged", again.Json.GetProperty("status").GetString());
    }

    /// <summary>
    /// A 35 MB CSV through a real Kestrel server (what the worker's HTTP integration runs, with its default 30 MB
    /// body limit) into the admin function: the route lifts the limit to FRAMES_MAX_CSV_BYTES for itself.
    /// </summary>
    [Fact]
    public async Task ABodyAboveKestrelsDefaultLimitIsIngested()
    {
        var port = AzuriteFixture.FreePort();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        app.MapPost("/api/datasets/{id}", async (Microsoft.AspNetCore.Http.HttpContext context, string id) =>
            await (await _http.Admin.IngestDataset(context.Request, id)).ExecuteResultAsync(
                new Microsoft.AspNetCore.Mvc.ActionContext(context, new Microsoft.AspNetCore.Routing.RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor())));
        await app.StartAsync();

        var rows = Enumerable.Range(0, 60_000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(i % 256, 200)));
        var csv = Encoding.UTF8.GetBytes(Csv.Header(200) + "\n" + string.Join("\n", rows) + "\n");
        Assert.True(csv.Length > 30_000_000, $"{csv.Length} bytes");
        using var http = new HttpClient();
        using var post = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/api/datasets/large") { Content = new ByteArrayContent(csv) };
        post.Headers.Add("X-Admin-Token", Token);
        using var response = await http.SendAsync(post);

        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(60_000, _http.Db.Store.FindDataset("large")!.RowCount);
        Assert.Equal(csv.Length, _http.Db.Store.FindDataset("large")!.SourceBytes);
    }

    [Fact]
    public async Task ARejectedUploadIsA400AndKeepsTheOldData()
    {
        await PostAsync(_http, "posted", Csv.Of(2, ("1", 10)), WithToken(Token));
        var r = await PostAsync(_http, "posted", "depth,a,b\n1,2\n", WithToken(Token));
        Assert.Equal(400, r.Status);
        Assert.Contains("line 2", r.Json.GetProperty("detail").GetString());
        Assert.Equal(1, _http.Db.Store.FindDataset("posted")!.RowCount);
    }

    [Fact]
    public async Task WithNoTokenConfiguredAdminIsForbidden()
    {
        using var open = new HttpHarness();
        Assert.Equal(403, (await PostAsync(open, "x", Csv.Of(2, ("1", 1)), WithToken(""))).Status);
        var request = HttpHarness.Request("DELETE", headers: WithToken("anything"));
        Assert.Equal(403, (await HttpHarness.SendAsync(request, open.Admin.ClearCache(request))).Status);
    }

    [Fact]
    public async Task DeleteRemovesADatasetAndClearCacheEmptiesTheCache()
    {
        await _http.Db.IngestTextAsync(Csv.Of(2, ("1", 1)), "gone");
        await _http.GetAsync((f, q) => f.GetFrames(q), "dataset=gone");
        Assert.Equal(1, _http.Cache.Stats().Entries);

        var unauthorised = HttpHarness.Request("DELETE");
        Assert.Equal(401, (await HttpHarness.SendAsync(unauthorised, _http.Admin.DeleteDataset(unauthorised, "gone"))).Status);

        var delete = HttpHarness.Request("DELETE", headers: WithToken(Token));
        Assert.Equal(204, (await HttpHarness.SendAsync(delete, _http.Admin.DeleteDataset(delete, "gone"))).Status);
        Assert.Null(_http.Db.Store.FindDataset("gone"));
        Assert.Equal(0, _http.Cache.Stats().Entries);
        var again = HttpHarness.Request("DELETE", headers: WithToken(Token));
        Assert.Equal(404, (await HttpHarness.SendAsync(again, _http.Admin.DeleteDataset(again, "gone"))).Status);

        await _http.GetAsync((f, q) => f.ListDatasets(q));
        var clear = HttpHarness.Request("DELETE", headers: WithToken(Token));
        Assert.Equal(204, (await HttpHarness.SendAsync(clear, _http.Admin.ClearCache(clear))).Status);
        Assert.Equal(0, _http.Cache.Stats().Entries);
    }
}
