using System.Security.Cryptography;
using System.Text;

namespace PaymentHub.Webhooks;

/// <summary>
/// Signing secrets: made here, stored only encrypted (AES-256-GCM), opened only to sign. The key comes from
/// <c>Webhooks:SecretKey</c>, or, when that is not set, from a random key generated once and kept in the database (see
/// <see cref="Data.AppSetting"/>), so every instance sharing the database can sign. A secret is shown to its owner once.
/// </summary>
public sealed class WebhookSecrets
{
    public const string KeySetting = "webhook_secret_key";
    private const string AesPrefix = "aes1:";
    private byte[]? _key;

    public void Initialize(byte[] key) =>
        _key = key.Length == 32 ? key : throw new InvalidOperationException("Webhooks:SecretKey must be base64 of exactly 32 bytes.");

    private byte[] Key => _key ?? throw new InvalidOperationException("WebhookSecrets is not initialised.");

    /// <summary>A new secret, <c>whsec_</c> and 64 hex digits (256 random bits).</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[12 + 16 + plain.Length];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key, 16);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16));
        return AesPrefix + Convert.ToBase64String(sealedBytes);
    }

    public string Unprotect(string stored)
    {
        if (!stored.StartsWith(AesPrefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("The stored signing secret is not in a known format.");
        }
        var sealedBytes = Convert.FromBase64String(stored[AesPrefix.Length..]);
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(Key, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(28), sealedBytes.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Lowercase hex HMAC-SHA256 of "<paramref name="timestamp"/>.<paramref name="body"/>", keyed by the secret's UTF-8 bytes.</summary>
    public static string Sign(string secret, long timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
}
