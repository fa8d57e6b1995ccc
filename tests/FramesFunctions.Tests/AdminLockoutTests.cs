using System.Net;
using ImageFrames.Functions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageFrames.Tests;

/// <summary>
/// Guessing the admin token: ten wrong tokens from one client lock that client out of every admin route — even
/// with the right token next — with a 429 and Retry-After, logged once with the client; other clients and
/// requests that send no token at all are not counted against it. Through the function app's own container.
/// </summary>
public sealed class AdminLockoutTests : IAsyncDisposable
{
    private const string Token = "lockout-admin-token-0123456789abcdef";
    private readonly CapturingLoggerProvider _logs = new();
    private readonly TempDatabase _db = new();
    private readonly ServiceProvider _services;
    private readonly AdminFunctions _admin;

    public AdminLockoutTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FRAMES_DB_PATH"] = _db.Options.DatabasePath,
            ["ADMIN_TOKEN"] = Token,
        }).Build();
        _services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(_logs))
            .AddImageFramesFunctions(configuration)
            .BuildServiceProvider();
        _admin = ActivatorUtilities.CreateInstance<AdminFunctions>(_services);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        _db.Dispose();
    }

    /// <summary>DELETE /api/cache from a client as the Functions host forwards it.</summary>
    private async Task<HttpHarness.Response> ClearCacheAsync(string client, string? token)
    {
        var headers = new Dictionary<string, string> { ["X-Forwarded-For"] = client };
        if (token is not null) headers["X-Admin-Token"] = token;
        var request = HttpHarness.Request("DELETE", "", headers);
        request.HttpContext.Connection.RemoteIpAddress = IPAddress.Loopback;
        return await HttpHarness.SendAsync(request, _admin.ClearCache(request));
    }

    [Fact]
    public async Task TenWrongTokensLockTheClientOutOfAdminAndSayWhy()
    {
        for (var i = 0; i < 5; i++) Assert.Equal(401, (await ClearCacheAsync("203.0.113.5", null)).Status); // no token: not a guess
        for (var i = 0; i < 9; i++) Assert.Equal(401, (await ClearCacheAsync("203.0.113.5", $"guess-{i}")).Status);
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("locked out"));
        Assert.Equal(401, (await ClearCacheAsync("203.0.113.5", "guess-9")).Status); // the tenth is answered, and locks

        var locked = await ClearCacheAsync("203.0.113.5", Token); // the right token no longer helps
        Assert.Equal(429, locked.Status);
        Assert.Equal("application/problem+json", locked.ContentType);
        Assert.InRange(int.Parse(locked.Headers.RetryAfter.ToString()), 1, 90);
        Assert.Contains("wrong admin tokens", locked.Json.GetProperty("detail").GetString());
        Assert.Equal(429, (await ClearCacheAsync("203.0.113.5", "guess-10")).Status);

        var deleted = HttpHarness.Request("DELETE", "", new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.5", ["X-Admin-Token"] = Token });
        deleted.HttpContext.Connection.RemoteIpAddress = IPAddress.Loopback;
        Assert.Equal(429, (await HttpHarness.SendAsync(deleted, _admin.DeleteDataset(deleted, "any"))).Status); // every admin route

        Assert.Equal(204, (await ClearCacheAsync("198.51.100.8", Token)).Status); // another client is not locked out
        Assert.Single(_logs.Messages, m => m.Contains("locked out") && m.Contains("203.0.113.5"));
        Assert.DoesNotContain(_logs.Messages, m => m.Contains(Token));
    }
}
