using System.Globalization;
using System.Text.Json;

namespace PaymentHub.Connectors;

/// <summary>Lenient reads of upstream JSON, where a field may come as a string or a number, or be missing.</summary>
public static class JsonFields
{
    /// <summary>A string or a number as text; anything else (objects, arrays, null) is absent.</summary>
    public static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>The first of several names that is present (upstreams that misspell their own fields).</summary>
    public static string? FirstText(JsonElement obj, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (Text(obj, name) is { Length: > 0 } text)
            {
                return text;
            }
        }
        return null;
    }

    /// <summary>A decimal from a JSON number or numeric string ("10.0000" included); absent when not a number.</summary>
    public static decimal? Number(JsonElement obj, string name) =>
        Text(obj, name) is { } text
        && decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>Money: a <see cref="Number"/> with at most two decimals (more is not an amount, so absent).</summary>
    public static decimal? Money(JsonElement obj, string name) =>
        Number(obj, name) is { } value && decimal.Round(value, 2) == value ? value : null;

    /// <summary>A whole number from a JSON number or numeric string; absent when not one.</summary>
    public static int? WholeNumber(JsonElement obj, string name) =>
        Text(obj, name) is { } text && int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>Parses a body as JSON; HTML error pages, empty and truncated bodies give null.</summary>
    public static JsonElement? TryParse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
