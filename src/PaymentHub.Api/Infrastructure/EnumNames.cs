using System.Text;

namespace PaymentHub.Infrastructure;

/// <summary>
/// Reads an enum (or any fixed code such as a gateway name) from outside text by its exact name, in any ASCII case.
/// <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> also takes numbers ("1", "42"), comma lists
/// ("active,suspended") and surrounding white space, which an API must refuse. The only place in the code that turns
/// outside text into an enum.
/// </summary>
public static class EnumNames
{
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (Matches(Enum.GetName(candidate)!, text))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static bool IsName<T>(string? text) where T : struct, Enum => TryParse<T>(text, out _);

    /// <summary>
    /// Whether <paramref name="text"/> is <paramref name="name"/> up to ASCII case: nothing trimmed, and only ASCII text
    /// compared, so that look-alikes which case-fold to ASCII ('ſ' to 'S', 'K' to 'k') never match.
    /// </summary>
    public static bool Matches(string name, string? text) =>
        text is not null && Ascii.IsValid(text) && Ascii.EqualsIgnoreCase(name, text);

    /// <summary>The names as an API spells them: lower case ('percent', 'fixed').</summary>
    public static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
