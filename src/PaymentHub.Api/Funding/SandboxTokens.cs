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
/// HMAC-SHA256 over the rest under a key drawn at random when the process starts. Nothing is kept per token, so a
/// restart (or another instance) makes the links already handed out invalid; that is fine for a Development-only tool.
/// </summary>
public sealed partial class SandboxTokens
{
    private const int MaxLength = 200;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

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

    private string Mac(string payload) => Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload)));

    [GeneratedRegex(@"\A(?<reference>[A-Z0-9]{1,32})\.(?<amount>[0-9]{1,16}\.[0-9]{2})\.(?<expires>[0-9]{1,12})\.(?<mac>[A-Za-z0-9_-]{43})\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
