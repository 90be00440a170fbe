using Microsoft.EntityFrameworkCore;
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

/// <summary>Reads a reseller call's form and checks its api_key / api_secret (one indexed query, constant-time compare).</summary>
public sealed class ResellerAuthenticator(PaymentHubDbContext db, CredentialHasher hasher)
{
    public const string ResellerIdItem = "paymenthub.reseller_id";

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

        var credential = await db.ApiCredentials.AsNoTracking()
            .Where(c => c.ApiKey == apiKey && c.RevokedAt == null)
            .Select(c => new
            {
                c.SecretHash,
                c.ResellerId,
                c.Reseller!.Name,
                c.Reseller.Status,
                c.Reseller.WalletAccountId,
            })
            .FirstOrDefaultAsync(ct);

        // Hash even when the key is unknown, so that timing does not tell valid keys from invalid ones.
        var secretMatches = hasher.Verify(apiSecret, credential?.SecretHash ?? new byte[32]);
        if (credential is null || !secretMatches || credential.Status != ResellerStatus.Active)
        {
            return (form, null, InvalidCredentials());
        }

        http.Items[ResellerIdItem] = credential.ResellerId;
        return (form, new AuthenticatedReseller(credential.ResellerId, credential.Name, credential.WalletAccountId), null);
    }

    private static IResult InvalidCredentials() =>
        ResellerResults.Error(StatusCodes.Status401Unauthorized, "Invalid API credentials.");
}
