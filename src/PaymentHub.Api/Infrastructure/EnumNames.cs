namespace PaymentHub.Infrastructure;

/// <summary>
/// Reads an enum from API text by its name only (any case). <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/>
/// also takes numbers ("1", "42") and comma lists, which an API must refuse.
/// </summary>
public static class EnumNames
{
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        var name = text is null ? null : Enum.GetNames<T>().FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
        value = name is null ? default : Enum.Parse<T>(name);
        return name is not null;
    }

    public static bool IsName<T>(string? text) where T : struct, Enum => TryParse<T>(text, out _);

    /// <summary>The names as an API spells them: lower case ('percent', 'fixed').</summary>
    public static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
