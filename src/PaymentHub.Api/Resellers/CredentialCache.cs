using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

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
/// made it at once (and a read that was under way then is not kept); other instances see it when their entry ages out.
/// Unknown and revoked keys are not kept.
/// </summary>
public sealed class CredentialCache(TimeProvider clock, IOptionsMonitor<CredentialCacheOptions> options)
{
    private readonly ExpiringCache<string, CachedCredential?> _entries = new(clock);

    public ValueTask<CachedCredential?> GetAsync(string apiKey, PaymentHubDbContext db, CancellationToken ct) =>
        _entries.GetOrLoadAsync(apiKey, TimeSpan.FromSeconds(Math.Max(0, options.CurrentValue.CredentialCacheSeconds)),
            (apiKey, db, ct), static s => LoadAsync(s.apiKey, s.db, s.ct), static credential => credential is not null);

    public void Invalidate(string apiKey) => _entries.Remove((key, _) => key == apiKey);

    public void InvalidateReseller(int resellerId) => _entries.Remove((_, credential) => credential?.ResellerId == resellerId);

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
