using System.Threading.RateLimiting;
using ImageFrames.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFrames.Serve;

/// <summary>
/// Holds guessing of the admin token to <see cref="Attempts"/> wrong tokens per client, then one more every
/// <see cref="Refill"/>: each client has a bucket of failures (System.Threading.RateLimiting's token bucket), a
/// wrong token spends one, and a client whose bucket is empty is refused on every admin route — with the right
/// token too, so a guesser learns nothing — with a 429 until a failure comes back. The lock-out is logged once,
/// with the client. A request with no token is not a guess and is not counted. Clients are hashed into
/// <see cref="ClientRateLimiter.Partitions"/> buckets, as for the rate limit, so memory stays bounded however
/// many addresses a guesser uses; buckets that refill are dropped.
/// </summary>
public sealed class AdminLockout(ILogger<AdminLockout>? logger = null, FramesMetrics? metrics = null) : IDisposable
{
    public const int Attempts = 10;
    public static readonly TimeSpan Refill = TimeSpan.FromSeconds(90);

    private readonly ILogger _logger = logger ?? NullLogger<AdminLockout>.Instance;
    private readonly PartitionedRateLimiter<int> _failures = PartitionedRateLimiter.Create<int, int>(partition =>
        RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Attempts,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = Refill,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Null when the client may try a token; else the 429 answer.</summary>
    public ApiResponse? Refusal(string client)
    {
        using var lease = _failures.AttemptAcquire(ClientRateLimiter.PartitionOf(client), 0);
        if (lease.IsAcquired) return null;
        var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero
            ? (int)Math.Ceiling(after.TotalSeconds) : (int)Refill.TotalSeconds;
        return ApiResponse.TooManyRequests("Locked out of admin", $"this client ({client}) sent {Attempts} wrong admin tokens and may try again in {retry} s", retry);
    }

    /// <summary>Counts one wrong token against the client; the one that empties its bucket locks it out.</summary>
    public void Failed(string client)
    {
        var partition = ClientRateLimiter.PartitionOf(client);
        using var lease = _failures.AttemptAcquire(partition, 1);
        if (!lease.IsAcquired || _failures.GetStatistics(partition)?.CurrentAvailablePermits > 0) return;
        metrics?.AdminLockouts.Add(1);
        _logger.LogWarning("Client {Client} is locked out of the admin routes after {Attempts} wrong admin tokens; one more try every {Refill} s",
            client, Attempts, Refill.TotalSeconds);
    }

    public void Dispose() => _failures.Dispose();
}
