using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;

namespace PaymentHub.Admin;

/// <summary><c>Authorization: Bearer &lt;admin key&gt;</c>, checked against the stored SHA-256 of each key.</summary>
public sealed class AdminKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    PaymentHubDbContext db,
    AdminAuthThrottle throttle) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";
    public const string PolicyName = "Admin";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var key = header["Bearer ".Length..].Trim(' ');
        if (key.Length is 0 or > 200)
        {
            return Failed();
        }
        var hash = HashKey(key);
        var admin = await db.AdminKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new { k.Id, k.Name })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (admin is null)
        {
            return Failed();
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), new Claim(ClaimTypes.Name, admin.Name)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>A key was sent and is not valid: counted against the client's address (see <see cref="AdminAuthThrottle"/>).</summary>
    private AuthenticateResult Failed()
    {
        if (Request.Path.StartsWithSegments("/admin"))
        {
            throttle.RecordFailure(Context.Connection.RemoteIpAddress);
        }
        return AuthenticateResult.Fail("Invalid admin key.");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Unauthorized",
            detail: "Send a valid admin key as 'Authorization: Bearer <key>'.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Results.Problem(statusCode: 403, title: "Forbidden").ExecuteAsync(Context);

    public static byte[] HashKey(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string NewKey() => "pha_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
