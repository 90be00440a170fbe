using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace PaymentHub.Infrastructure;

public sealed class OrderOptions
{
    /// <summary>Prefix of every order number (nurr uses "NURR-").</summary>
    public string NumberPrefix { get; set; } = "PH-";
}

public sealed class OrderNumbers(IOptions<OrderOptions> options)
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private readonly string _prefix = options.Value.NumberPrefix;

    /// <summary>Prefix plus 12 random characters (60 bits), like nurr's NURR-AB12CD34EF56.</summary>
    public string Next() => _prefix + RandomNumberGenerator.GetString(Alphabet, 12);

    /// <summary>Upstreams such as IAK accept only letters and digits in their reference.</summary>
    public static string AlphanumericReference(string orderNumber) =>
        new(orderNumber.Where(char.IsAsciiLetterOrDigit).ToArray());
}
