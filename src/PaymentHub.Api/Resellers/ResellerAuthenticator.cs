using System.Globalization;
using PaymentHub.Admin;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Resellers;

/// <summary>The caller of a reseller endpoint, bound by <see cref="ResellerAuthentication"/> before the handler runs.</summary>
public sealed record AuthenticatedReseller(int Id, string Name, long WalletAccountId)
{
    public static ValueTask<AuthenticatedReseller?> BindAsync(HttpContext http) =>
        ValueTask.FromResult<AuthenticatedReseller?>(http.Features.Get<AuthenticatedReseller>()
            ?? throw new InvalidOperationException("No authenticated reseller: the endpoint is not in the /api group that requires one."));
}

/// <summary>
/// Reads a reseller call's form and checks its api_key / api_secret (cached record, constant-time compare), the key's
/// expiry and IP allowlist, then its rate limits.
/// </summary>
public sealed class ResellerAuthenticator(
    PaymentHubDbContext db, CredentialHasher hasher, CredentialCache credentials, ApiKeyRateLimiter limiter, TimeProvider clock)
{
    public const string ResellerIdItem = "paymenthub.reseller_id";
    public const string TooManyRequests = "Too many requests.";

    public async Task<(ResellerForm? Form, AuthenticatedReseller? Reseller, IResult? Error)> AuthenticateAsync(
        HttpContext http, CancellationToken ct)
    {
        var (form, formError) = await ResellerForm.ReadAsync(http.Request, ct);
        if (form is null)
        {
            return (null, null, formError);
        }

        var apiKey = form["api_key"];
        var apiSecret = form["api_secret"];
        if (apiKey is null || apiSecret is null || apiKey.Length > 64 || apiSecret.Length > 128)
        {
            return (form, null, InvalidCredentials());
        }

        var credential = await credentials.GetAsync(apiKey, db, ct);
        // Hash even when the key is unknown, so that timing does not tell valid keys from invalid ones.
        var secretMatches = hasher.Verify(apiSecret, credential?.SecretHash ?? new byte[32]);
        if (credential is null || !secretMatches || credential.ResellerStatus != ResellerStatus.Active
            || credential.ExpiresAt <= clock.GetUtcNow().UtcDateTime)
        {
            return (form, null, InvalidCredentials());
        }
        if (!credential.Allowlist.Allows(http.Connection.RemoteIpAddress))
        {
            await AuditRefusedAddressAsync(http, credential);
            return (form, null, InvalidCredentials());
        }
        if (limiter.TryAcquire(credential.Id, credential.Limits) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return (form, null, ResellerResults.Error(StatusCodes.Status429TooManyRequests, TooManyRequests));
        }

        http.Items[ResellerIdItem] = credential.ResellerId;
        return (form, new AuthenticatedReseller(credential.ResellerId, credential.ResellerName, credential.WalletAccountId), null);
    }

    /// <summary>The caller gets the same 401 as for a wrong secret; only the audit log says why.</summary>
    private async Task AuditRefusedAddressAsync(HttpContext http, CachedCredential credential)
    {
        var address = http.Connection.RemoteIpAddress;
        var shown = ClientAddresses.Key(address);
        db.AuditLog.Add(new AuditLogEntry
        {
            Actor = $"reseller:{credential.ResellerId}",
            Action = RefusedAddressAction,
            Target = $"api-key:{credential.Id}",
            Details = $"API key {credential.Id} of reseller {credential.ResellerId} called {Truncate(http.Request.Path.Value, 200)} from {shown}, which is not in its IP allowlist.",
            StatusCode = StatusCodes.Status401Unauthorized,
            RemoteIp = shown.Length <= 64 ? shown : shown[..64],
            At = clock.GetUtcNow().UtcDateTime,
        });
        // Not the request's token: a refusal is recorded even if the caller has gone.
        await db.SaveChangesAsync(CancellationToken.None);
    }

    public const string RefusedAddressAction = "reseller api: address not allowed";

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    private static IResult InvalidCredentials() =>
        ResellerResults.Error(StatusCodes.Status401Unauthorized, "Invalid API credentials.");
}
