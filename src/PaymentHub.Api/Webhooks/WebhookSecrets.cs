using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace PaymentHub.Webhooks;

/// <summary>
/// Signing secrets: made here, stored only protected (AES-256-GCM with <see cref="WebhookOptions.SecretKey"/>, or ASP.NET
/// Core Data Protection without one), opened only to sign. A secret is shown to its owner once, when made.
/// </summary>
public sealed class WebhookSecrets(IOptions<WebhookOptions> options, IDataProtectionProvider dataProtection)
{
    private const string AesPrefix = "aes1:";
    private const string DataProtectionPrefix = "dp1:";
    private readonly byte[]? _key = ReadKey(options.Value.SecretKey);
    private readonly IDataProtector _protector = dataProtection.CreateProtector("PaymentHub.Webhooks.SigningSecret.v1");

    /// <summary>A new secret, <c>whsec_</c> and 64 hex digits (256 random bits).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret)
    {
        if (_key is null)
        {
            return DataProtectionPrefix + _protector.Protect(secret);
        }
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[12 + 16 + plain.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return AesPrefix + Convert.ToBase64String(sealedBytes);
    }

    public string Unprotect(string stored)
    {
        if (stored.StartsWith(DataProtectionPrefix, StringComparison.Ordinal))
        {
            return _protector.Unprotect(stored[DataProtectionPrefix.Length..]);
        }
        if (!stored.StartsWith(AesPrefix, StringComparison.Ordinal) || _key is null)
        {
            throw new CryptographicException("The signing secret was protected with a key this instance does not have (Webhooks:SecretKey).");
        }
        var sealedBytes = Convert.FromBase64String(stored[AesPrefix.Length..]);
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Lowercase hex HMAC-SHA256 of "<paramref name="timestamp"/>.<paramref name="body"/>", keyed by the secret's UTF-8 bytes.</summary>
    public static string Sign(string secret, long timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    private static byte[]? ReadKey(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }
        var key = Convert.FromBase64String(configured.Trim());
        return key.Length == 32 ? key : throw new InvalidOperationException("Webhooks:SecretKey must be base64 of exactly 32 bytes.");
    }
}
