using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PaymentHub.Resellers;

/// <summary>A key's limits: a token bucket (requests per second, burst) and a per-minute window. Null fields take the defaults.</summary>
public sealed record ApiKeyLimits(int? RequestsPerSecond, int? Burst, int? RequestsPerMinute)
{
    public static readonly ApiKeyLimits Defaults = new(null, null, null);

    public bool IsDefault => RequestsPerSecond is null && Burst is null && RequestsPerMinute is null;
}

/// <summary>The limits applied to a key that has none of its own (<c>RateLimits:PerKey</c>) and how many instances share them.</summary>
public sealed class PerKeyRateLimitOptions
{
    public const string Section = "RateLimits";

    public PerKeyDefaults PerKey { get; set; } = new();

    /// <summary>
    /// How many gateway instances serve the API behind the load balancer: each enforces ceil(limit / Instances), so the
    /// total across instances stays within Instances - 1 requests of each limit (see README, "API keys").
    /// </summary>
    public int Instances { get; set; } = 1;

    public sealed class PerKeyDefaults
    {
        public int RequestsPerSecond { get; set; } = 100;
        public int Burst { get; set; } = 200;
        public int RequestsPerMinute { get; set; } = 6000;
    }
}

/// <summary>
/// Per-key rate limiting on this instance, read from <see cref="TimeProvider"/> (so tests move time rather than wait):
/// a token bucket refilled continuously at the per-second rate up to the burst, and a fixed one-minute window that
/// starts at the key's first call. Only authenticated calls count, so a wrong secret cannot spend a key's allowance.
/// </summary>
public sealed class ApiKeyRateLimiter(TimeProvider clock, IOptionsMonitor<PerKeyRateLimitOptions> options)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<int, Bucket> _buckets = new();

    /// <summary>A key's limits across all instances: its own, or the defaults for those it does not set.</summary>
    public (int PerSecond, int Burst, int PerMinute) Total(ApiKeyLimits limits)
    {
        var defaults = options.CurrentValue.PerKey;
        return (limits.RequestsPerSecond ?? defaults.RequestsPerSecond, limits.Burst ?? defaults.Burst,
            limits.RequestsPerMinute ?? defaults.RequestsPerMinute);
    }

    /// <summary>The limits this instance enforces: its share of <see cref="Total"/>, rounded up.</summary>
    public (int PerSecond, int Burst, int PerMinute) Effective(ApiKeyLimits limits)
    {
        var instances = Math.Max(1, options.CurrentValue.Instances);
        var (perSecond, burst, perMinute) = Total(limits);
        return (Share(perSecond, instances), Share(burst, instances), Share(perMinute, instances));
    }

    /// <returns>Null when the call may go ahead; otherwise how long until it could.</returns>
    public TimeSpan? TryAcquire(int credentialId, ApiKeyLimits limits)
    {
        var effective = Effective(limits);
        var bucket = _buckets.GetOrAdd(credentialId, _ => new Bucket());
        lock (bucket)
        {
            return bucket.TryTake(effective, clock.GetUtcNow());
        }
    }

    private static int Share(int limit, int instances) => Math.Max(1, (limit + instances - 1) / instances);

    private sealed class Bucket
    {
        private double _tokens;
        private DateTimeOffset? _refilledAt;
        private DateTimeOffset _windowStart;
        private int _windowCount;

        public TimeSpan? TryTake((int PerSecond, int Burst, int PerMinute) limits, DateTimeOffset now)
        {
            if (_refilledAt is not { } refilledAt)
            {
                _tokens = limits.Burst;
                _windowStart = now;
            }
            else
            {
                var elapsed = Math.Max(0, (now - refilledAt).TotalSeconds);
                _tokens = Math.Min(limits.Burst, _tokens + elapsed * limits.PerSecond);
            }
            _refilledAt = now;
            if (now - _windowStart >= Minute)
            {
                _windowStart = now;
                _windowCount = 0;
            }
            if (_windowCount >= limits.PerMinute)
            {
                return _windowStart + Minute - now;
            }
            if (_tokens < 1)
            {
                return TimeSpan.FromSeconds((1 - _tokens) / limits.PerSecond);
            }
            _tokens -= 1;
            _windowCount++;
            return null;
        }
    }
}
