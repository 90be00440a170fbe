using System.Text.Json.Serialization;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;

namespace PaymentHub.Resellers;

public sealed record CreateApiKeyRequest(
    DateTimeOffset? ExpiresAt, int? RequestsPerSecond, int? Burst, int? RequestsPerMinute, IReadOnlyList<string>? AllowedIps) : IApiKeySettings;

/// <summary>
/// Null leaves a setting as it is; <c>default_limits: true</c> returns the key to the configured defaults; <c>allowed_ips: []</c>
/// clears the list. <c>expires_at</c> is the exception: a future time sets the expiry, an explicit null removes it, and only
/// leaving it out keeps it.
/// </summary>
public sealed record UpdateApiKeyRequest(
    int? RequestsPerSecond, int? Burst, int? RequestsPerMinute, IReadOnlyList<string>? AllowedIps, bool? DefaultLimits) : IApiKeySettings
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ExpiresAt
    {
        get;
        init
        {
            field = value;
            ChangesExpiry = true;
        }
    }

    /// <summary>Whether the body named <c>expires_at</c> at all (the serializer sets it only then, null included).</summary>
    [JsonIgnore]
    public bool ChangesExpiry { get; private init; }

    /// <summary>Written (never read) so that the audit entry tells "expires_at": null apart from no expires_at.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? RemovesExpiry => ChangesExpiry && ExpiresAt is null ? true : null;
}

public sealed record ApiKeyCreatedReply(int Id, string ApiKey, string ApiSecret, DateTime CreatedAt, DateTime? ExpiresAt);

/// <summary>The limits a key gets across all instances (its own or the defaults); <c>default_limits</c> says which.</summary>
public sealed record ApiKeyLimitsReply(int RequestsPerSecond, int Burst, int RequestsPerMinute, bool DefaultLimits);

public sealed record ApiKeyReply(
    int Id, string ApiKey, DateTime CreatedAt, DateTime? RevokedAt, DateTime? ExpiresAt, bool Active, ApiKeyLimitsReply Limits,
    IReadOnlyList<string> AllowedIps);

public static class ApiKeyRules
{
    public const int MaxActiveKeys = 2;
}

/// <summary>The settings a key's create and update requests share.</summary>
public interface IApiKeySettings
{
    int? RequestsPerSecond { get; }
    int? Burst { get; }
    int? RequestsPerMinute { get; }
    IReadOnlyList<string>? AllowedIps { get; }
}

public abstract class ApiKeySettingsValidator<T> : AbstractValidator<T> where T : IApiKeySettings
{
    protected ApiKeySettingsValidator()
    {
        RuleFor(r => r.RequestsPerSecond).InclusiveBetween(1, 100_000);
        RuleFor(r => r.Burst).InclusiveBetween(1, 100_000);
        RuleFor(r => r.RequestsPerMinute).InclusiveBetween(1, 6_000_000);
        RuleFor(r => r.AllowedIps)
            .Must(list => list!.Count <= ApiKeyAllowlist.MaxEntries).WithMessage($"At most {ApiKeyAllowlist.MaxEntries} entries.")
            .When(r => r.AllowedIps is not null);
        RuleForEach(r => r.AllowedIps).Must(ApiKeyAllowlist.IsValidEntry)
            .WithMessage((_, entry) => $"'{Shown(entry)}' is not an IPv4/IPv6 address or CIDR range (e.g. 203.0.113.7, 2001:db8::1, 198.51.100.0/24).")
            .When(r => r.AllowedIps is not null);
    }

    private static string Shown(string? entry) =>
        entry is null ? "null" : new string([.. entry.Take(ApiKeyAllowlist.MaxEntryLength).Select(c => char.IsControl(c) ? '?' : c)]);
}

public sealed class CreateApiKeyRequestValidator : ApiKeySettingsValidator<CreateApiKeyRequest>
{
    public CreateApiKeyRequestValidator(TimeProvider clock) =>
        RuleFor(r => r.ExpiresAt).Must(at => at > clock.GetUtcNow()).When(r => r.ExpiresAt is not null)
            .WithMessage("expires_at must be in the future.");
}

public sealed class UpdateApiKeyRequestValidator : ApiKeySettingsValidator<UpdateApiKeyRequest>
{
    public UpdateApiKeyRequestValidator(TimeProvider clock)
    {
        RuleFor(r => r.DefaultLimits).Must(d => d != true).When(r => r.RequestsPerSecond is not null || r.Burst is not null || r.RequestsPerMinute is not null)
            .WithMessage("default_limits cannot be combined with requests_per_second, burst or requests_per_minute.");
        RuleFor(r => r.ExpiresAt).Must(at => at > clock.GetUtcNow()).When(r => r.ExpiresAt is not null)
            .WithMessage("expires_at must be in the future (or null to remove the expiry).");
    }
}

/// <summary>A reseller's API keys: create (secret shown once, optional expiry, limits, allowlist), list, change limits, allowlist and expiry, revoke.</summary>
public static class ApiKeyAdminApi
{
    public static RouteGroupBuilder MapApiKeyAdminApi(this RouteGroupBuilder resellers)
    {
        resellers.MapPost("/{id:int}/api-keys", CreateApiKeyAsync)
            .WithDescription("Creates an api_key / api_secret pair. The secret is shown in this reply only. A reseller holds at most two active keys.");
        resellers.MapGet("/{id:int}/api-keys", ListApiKeysAsync);
        resellers.MapPatch("/{id:int}/api-keys/{keyId:int}", UpdateApiKeyAsync)
            .WithDescription("Sets a key's rate limits, IP allowlist and expiry (expires_at: a future time, or null for none; an expired key "
                             + "made active again counts towards the two); every instance applies the change within ResellerAuth:CredentialCacheSeconds.");
        resellers.MapDelete("/{id:int}/api-keys/{keyId:int}", RevokeApiKeyAsync);
        return resellers;
    }

    public static async Task<Results<Created<ApiKeyCreatedReply>, ProblemHttpResult>> CreateApiKeyAsync(
        int id, CreateApiKeyRequest? request, PaymentHubDbContext db, CredentialHasher hasher, TimeProvider clock, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await LockResellerAsync(db, id, ct))
        {
            return ResellerAdminApi.NotFound(id);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var active = await ActiveKeysAsync(db, id, null, now, ct);
        if (active >= ApiKeyRules.MaxActiveKeys)
        {
            return TooManyActiveKeys(id, active);
        }
        var apiKey = CredentialHasher.NewApiKey();
        var apiSecret = CredentialHasher.NewApiSecret();
        var credential = new ApiCredential
        {
            ResellerId = id,
            ApiKey = apiKey,
            SecretHash = hasher.Hash(apiSecret),
            CreatedAt = now,
            ExpiresAt = request?.ExpiresAt?.UtcDateTime,
            RequestsPerSecond = request?.RequestsPerSecond,
            Burst = request?.Burst,
            RequestsPerMinute = request?.RequestsPerMinute,
            AllowedIps = request?.AllowedIps is { } allowed ? ApiKeyAllowlist.ToStored(allowed) : null,
        };
        db.ApiCredentials.Add(credential);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/admin/v1/resellers/{id}/api-keys/{credential.Id}",
            new ApiKeyCreatedReply(credential.Id, apiKey, apiSecret, credential.CreatedAt, credential.ExpiresAt));
    }

    public static async Task<Ok<List<ApiKeyReply>>> ListApiKeysAsync(
        int id, PaymentHubDbContext db, ApiKeyRateLimiter limiter, TimeProvider clock, CancellationToken ct)
    {
        var rows = await db.ApiCredentials.AsNoTracking().Where(c => c.ResellerId == id).OrderBy(c => c.Id).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(rows.Select(c => ToReply(c, limiter, now)).ToList());
    }

    public static async Task<Results<Ok<ApiKeyReply>, ProblemHttpResult>> UpdateApiKeyAsync(
        int id, int keyId, UpdateApiKeyRequest request, PaymentHubDbContext db, CredentialCache credentials, ApiKeyRateLimiter limiter,
        TimeProvider clock, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var credential = await LockResellerAsync(db, id, ct)
            ? await db.ApiCredentials.FirstOrDefaultAsync(c => c.Id == keyId && c.ResellerId == id && c.RevokedAt == null, ct)
            : null;
        if (credential is null)
        {
            return KeyNotFound(id, keyId);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (request.ChangesExpiry)
        {
            var expiresAt = request.ExpiresAt?.UtcDateTime;
            if (!IsActive(credential, now) && (expiresAt is null || expiresAt > now)
                && await ActiveKeysAsync(db, id, keyId, now, ct) is var active && active >= ApiKeyRules.MaxActiveKeys)
            {
                return TooManyActiveKeys(id, active);
            }
            credential.ExpiresAt = expiresAt;
        }
        if (request.DefaultLimits == true)
        {
            (credential.RequestsPerSecond, credential.Burst, credential.RequestsPerMinute) = ((int?)null, (int?)null, (int?)null);
        }
        credential.RequestsPerSecond = request.RequestsPerSecond ?? credential.RequestsPerSecond;
        credential.Burst = request.Burst ?? credential.Burst;
        credential.RequestsPerMinute = request.RequestsPerMinute ?? credential.RequestsPerMinute;
        if (request.AllowedIps is { } allowed)
        {
            credential.AllowedIps = ApiKeyAllowlist.ToStored(allowed);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        credentials.Invalidate(credential.ApiKey);
        return TypedResults.Ok(ToReply(credential, limiter, now));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKeyAsync(
        int id, int keyId, PaymentHubDbContext db, CredentialCache credentials, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var apiKey = await db.ApiCredentials.Where(c => c.Id == keyId && c.ResellerId == id && c.RevokedAt == null)
            .Select(c => c.ApiKey).FirstOrDefaultAsync(ct);
        var revoked = await db.ApiCredentials.Where(c => c.Id == keyId && c.ResellerId == id && c.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RevokedAt, now), ct);
        if (apiKey is not null)
        {
            credentials.Invalidate(apiKey);
        }
        return revoked == 1 ? TypedResults.NoContent() : KeyNotFound(id, keyId);
    }

    /// <summary>
    /// Holds the reseller row until the transaction ends, so that two calls cannot both count one active key and both add
    /// one: PostgreSQL locks the row (FOR UPDATE, <see cref="RowLocks"/>); SQLite's transaction (BEGIN IMMEDIATE) already
    /// runs one writer at a time.
    /// False when there is no such reseller.
    /// </summary>
    private static async Task<bool> LockResellerAsync(PaymentHubDbContext db, int id, CancellationToken ct) =>
        (await db.Resellers.ForUpdate().Where(r => r.Id == id).Select(r => r.Id).ToListAsync(ct)).Count == 1;

    /// <summary>The reseller's active keys (not revoked, not expired), <paramref name="exceptKeyId"/> aside.</summary>
    private static Task<int> ActiveKeysAsync(PaymentHubDbContext db, int id, int? exceptKeyId, DateTime now, CancellationToken ct) =>
        db.ApiCredentials.CountAsync(c => c.ResellerId == id && c.Id != exceptKeyId && c.RevokedAt == null && (c.ExpiresAt == null || c.ExpiresAt > now), ct);

    private static bool IsActive(ApiCredential c, DateTime now) => c.RevokedAt is null && (c.ExpiresAt is null || c.ExpiresAt > now);

    private static ProblemHttpResult TooManyActiveKeys(int id, int active) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many active API keys",
            detail: $"Reseller {id} already holds {active} active API keys; at most {ApiKeyRules.MaxActiveKeys} may be active at once (one to rotate to). Revoke one first.");

    private static ProblemHttpResult KeyNotFound(int id, int keyId) =>
        TypedResults.Problem(statusCode: 404, title: "API key not found", detail: $"Reseller {id} has no active API key {keyId}.");

    private static ApiKeyReply ToReply(ApiCredential c, ApiKeyRateLimiter limiter, DateTime now)
    {
        var limits = new ApiKeyLimits(c.RequestsPerSecond, c.Burst, c.RequestsPerMinute);
        var (perSecond, burst, perMinute) = limiter.Total(limits);
        return new ApiKeyReply(c.Id, c.ApiKey, c.CreatedAt, c.RevokedAt, c.ExpiresAt, IsActive(c, now),
            new ApiKeyLimitsReply(perSecond, burst, perMinute, limits.IsDefault),
            ApiKeyAllowlist.FromStored(c.AllowedIps).Entries);
    }
}
