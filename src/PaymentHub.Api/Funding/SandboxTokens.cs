using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PaymentHub.Funding;

public enum SandboxTokenProblem
{
    None,
    /// <summary>Not a token, or one we did not sign (forged or tampered with).</summary>
    Invalid,
    Expired,
}

public sealed record SandboxTokenClaims(string Reference, decimal Amount, long ExpiresAtUnixSeconds);

/// <summary>
/// The capability on the sandbox checkout page's links and forms: <c>reference.amount.expiry.mac</c>, the MAC an
/// HMAC-SHA256 over the rest. Nothing is kept per token. The key is drawn at random once and kept in the database (see
/// <see cref="Data.AppSetting"/>), as the webhook and credential keys are, so a link handed out stays good across a
/// restart and on every instance sharing the database until the top-up expires.
/// </summary>
public sealed partial class SandboxTokens
{
    public const string KeySetting = "sandbox_token_key";
    private const int MaxLength = 200;

    private byte[]? _key;

    public void Initialize(byte[] key) =>
        _key = key.Length >= 32 ? key : throw new InvalidOperationException("The sandbox token key must be at least 32 bytes.");

    public string Create(string reference, decimal amount, DateTime expiresAtUtc)
    {
        var payload = string.Create(CultureInfo.InvariantCulture,
            $"{reference}.{amount:0.00}.{new DateTimeOffset(DateTime.SpecifyKind(expiresAtUtc, DateTimeKind.Utc)).ToUnixTimeSeconds()}");
        return payload + "." + Mac(payload);
    }

    public (SandboxTokenClaims? Claims, SandboxTokenProblem Problem) Read(string? token, DateTimeOffset now)
    {
        if (token is null || token.Length > MaxLength || Shape().Match(token) is not { Success: true } match)
        {
            return (null, SandboxTokenProblem.Invalid);
        }
        var payload = token[..token.LastIndexOf('.')];
        var expected = Encoding.ASCII.GetBytes(Mac(payload));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(match.Groups["mac"].Value)))
        {
            return (null, SandboxTokenProblem.Invalid);
        }
        if (!long.TryParse(match.Groups["expires"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || !decimal.TryParse(match.Groups["amount"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return (null, SandboxTokenProblem.Invalid);
        }
        var claims = new SandboxTokenClaims(match.Groups["reference"].Value, amount, expires);
        return now.ToUnixTimeSeconds() >= expires ? (claims, SandboxTokenProblem.Expired) : (claims, SandboxTokenProblem.None);
    }

    private string Mac(string payload) => Base64Url.EncodeToString(HMACSHA256.HashData(
        _key ?? throw new InvalidOperationException("SandboxTokens is not initialised."), Encoding.UTF8.GetBytes(payload)));

    [GeneratedRegex(@"\A(?<reference>[A-Z0-9]{1,32})\.(?<amount>[0-9]{1,16}\.[0-9]{2})\.(?<expires>[0-9]{1,12})\.(?<mac>[A-Za-z0-9_-]{43})\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
