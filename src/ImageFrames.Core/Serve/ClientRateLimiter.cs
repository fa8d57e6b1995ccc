using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace ImageFrames.Serve;

/// <summary>
/// A token bucket per client for the public routes (<c>FRAMES_RATE_LIMIT</c> tokens a second, up to
/// <c>FRAMES_RATE_BURST</c> saved), with System.Threading.RateLimiting's partitioned limiter. A request costs
/// tokens by route: <see cref="HeavyCost"/> for answers that may have to be drawn or counted (pictures,
/// statistics, arrays), <see cref="LightCost"/> for the rest; health is exempt. Over the limit: a 429 problem with <c>Retry-After</c>. The client is the caller's
/// address as the last of <c>FRAMES_TRUSTED_PROXIES</c> proxies saw it (the Functions host is one), never a
/// forwarded address a client wrote itself. Memory is bounded: clients are hashed into at most
/// <see cref="Partitions"/> buckets, and the limiter drops buckets that sat idle and full.
/// </summary>
public sealed class ClientRateLimiter : IDisposable
{
    public const int Partitions = 65_536;

    /// <summary>Tokens a request costs: 1 for JSON, lists and pages, 4 for pictures, statistics and arrays.</summary>
    public const int LightCost = 1, HeavyCost = 4;

    private readonly PartitionedRateLimiter<int>? _limiter;
    private readonly int _trustedProxies;

    public ClientRateLimiter(Configuration.FramesOptions options)
    {
        _trustedProxies = options.TrustedProxies;
        if (options.RateLimit <= 0) return;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RateBurst,
            TokensPerPeriod = options.RateLimit,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<int, int>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => bucket));
    }

    /// <summary>Null when the request may go on; else the 429 answer.</summary>
    public ApiResponse? Admit(HttpRequest request, int cost)
    {
        if (_limiter is null) return null;
        var client = ClientOf(request);
        using var lease = _limiter.AttemptAcquire(PartitionOf(client), cost);
        if (lease.IsAcquired) return null;
        var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
        return ApiResponse.TooManyRequests("Too many requests", $"this client ({client}) is over its rate limit; retry after {retry} s", retry);
    }

    /// <summary>The bucket a client falls in: a hash, so memory stays bounded however many addresses come.</summary>
    public static int PartitionOf(string client) => (int)((uint)StringComparer.Ordinal.GetHashCode(client) % Partitions);

    /// <summary>The caller's address: with N trusted proxies in front, the N-th address from the right of
    /// X-Forwarded-For (what the outermost trusted proxy saw), else the connection's own peer.</summary>
    public string ClientOf(HttpRequest request)
    {
        var peer = request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (_trustedProxies == 0) return peer;
        var forwarded = request.Headers["X-Forwarded-For"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
        if (forwarded.Length == 0) return peer;
        var candidate = forwarded[Math.Max(0, forwarded.Length - _trustedProxies)];
        return IPEndPoint.TryParse(candidate, out var endpoint) ? endpoint.Address.ToString() : candidate;
    }

    public void Dispose() => _limiter?.Dispose();
}
