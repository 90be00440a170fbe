using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;

namespace PaymentHub.Resellers;

/// <summary>What the reseller API needs of an unrevoked key to authenticate, limit and allow a call.</summary>
public sealed record CachedCredential(
    int Id, byte[] SecretHash, int ResellerId, string ResellerName, ResellerStatus ResellerStatus, long WalletAccountId,
    DateTime? ExpiresAt, ApiKeyLimits Limits, ApiKeyAllowlist Allowlist);

public sealed class CredentialCacheOptions
{
    public const string Section = "ResellerAuth";

    /// <summary>How long a key's record is reused before it is read again; 0 reads it on every call.</summary>
    public double CredentialCacheSeconds { get; set; } = 5;
}

/// <summary>
/// Keeps each unrevoked key's record in memory for <see cref="CredentialCacheOptions.CredentialCacheSeconds"/>, so the
/// hot path does not query it on every call. A change made through the admin API drops the entry on the instance that
/// made it at once; other instances see it when their entry ages out. Unknown and revoked keys are not kept.
/// </summary>
public sealed class CredentialCache(TimeProvider clock, IOptionsMonitor<CredentialCacheOptions> options)
{
    private sealed record Entry(CachedCredential Credential, long LoadedAt);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<CachedCredential?> GetAsync(string apiKey, PaymentHubDbContext db, CancellationToken ct)
    {
        var ttl = TimeSpan.FromSeconds(Math.Max(0, options.CurrentValue.CredentialCacheSeconds));
        if (_entries.TryGetValue(apiKey, out var entry) && clock.GetElapsedTime(entry.LoadedAt) < ttl)
        {
            return entry.Credential;
        }
        var loadedAt = clock.GetTimestamp();
        var credential = await LoadAsync(apiKey, db, ct);
        if (credential is null || ttl == TimeSpan.Zero)
        {
            _entries.TryRemove(apiKey, out _);
        }
        else
        {
            _entries[apiKey] = new Entry(credential, loadedAt);
        }
        return credential;
    }

    public void Invalidate(string apiKey) => _entries.TryRemove(apiKey, out _);

    public void InvalidateReseller(int resellerId)
    {
        foreach (var (apiKey, entry) in _entries)
        {
            if (entry.Credential.ResellerId == resellerId)
            {
                _entries.TryRemove(apiKey, out _);
            }
        }
    }

    private static async Task<CachedCredential?> LoadAsync(string apiKey, PaymentHubDbContext db, CancellationToken ct)
    {
        var row = await db.ApiCredentials.AsNoTracking()
            .Where(c => c.ApiKey == apiKey && c.RevokedAt == null)
            .Select(c => new
            {
                c.Id,
                c.SecretHash,
                c.ResellerId,
                c.Reseller!.Name,
                c.Reseller.Status,
                c.Reseller.WalletAccountId,
                c.ExpiresAt,
                c.RequestsPerSecond,
                c.Burst,
                c.RequestsPerMinute,
                c.AllowedIps,
            })
            .FirstOrDefaultAsync(ct);
        return row is null
            ? null
            : new CachedCredential(row.Id, row.SecretHash, row.ResellerId, row.Name, row.Status, row.WalletAccountId, row.ExpiresAt,
                new ApiKeyLimits(row.RequestsPerSecond, row.Burst, row.RequestsPerMinute), ApiKeyAllowlist.FromStored(row.AllowedIps));
    }
}
