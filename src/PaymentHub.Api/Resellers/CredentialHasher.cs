using System.Security.Cryptography;
using System.Text;

namespace PaymentHub.Resellers;

/// <summary>
/// Keyed hashing of reseller secrets. The key comes from <c>Security:CredentialHashKey</c>, or, when that is not
/// set, from a random key generated once and kept in the database (see <see cref="Data.AppSetting"/>).
/// </summary>
public sealed class CredentialHasher
{
    private byte[]? _key;

    public void Initialize(byte[] key)
    {
        if (key.Length < 32)
        {
            throw new InvalidOperationException("The credential hash key must be at least 32 bytes.");
        }
        _key = key;
    }

    public byte[] Hash(string secret) =>
        HMACSHA256.HashData(_key ?? throw new InvalidOperationException("CredentialHasher is not initialised."),
            Encoding.UTF8.GetBytes(secret));

    public bool Verify(string secret, byte[] expectedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(secret), expectedHash);

    public static string NewApiKey() => "phk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewApiSecret() => "phs_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
