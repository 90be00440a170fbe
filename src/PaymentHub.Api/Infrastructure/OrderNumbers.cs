using System.Buffers.Binary;
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
    /// <remarks>
    /// One draw of 64 random bits, five per character (the alphabet has 32 letters, so each is equally likely), instead of
    /// <c>RandomNumberGenerator.GetString</c>, which drew per character: that was about 3 % of a bill submit's samples in a
    /// profile of the submit step, and every submit and recharge takes a number.
    /// </remarks>
    public string Next()
    {
        Span<byte> random = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(random);
        return string.Create(_prefix.Length + RandomLength, (Prefix: _prefix, Bits: BinaryPrimitives.ReadUInt64LittleEndian(random)),
            static (chars, state) =>
            {
                state.Prefix.CopyTo(chars);
                var bits = state.Bits;
                for (var i = state.Prefix.Length; i < chars.Length; i++, bits >>= 5)
                {
                    chars[i] = Alphabet[(int)(bits & 31)];
                }
            });
    }

    private const int RandomLength = 12;

    /// <summary>Upstreams such as IAK accept only letters and digits in their reference.</summary>
    public static string AlphanumericReference(string orderNumber) =>
        new(orderNumber.Where(char.IsAsciiLetterOrDigit).ToArray());
}
