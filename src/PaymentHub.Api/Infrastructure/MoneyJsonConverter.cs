using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentHub.Infrastructure;

/// <summary>
/// Writes every decimal as a JSON number with exactly two places (SQLite hands back e.g. 9500.0). Reads a JSON number,
/// or a string in the reseller API's amount grammar (<c>"100.00"</c>, see <see cref="Money.TryParse"/>), as the reseller
/// API shows amounts; any other string is refused with a <see cref="MoneyFormatException"/>.
/// </summary>
public sealed class MoneyJsonConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetDecimal(out var number) => number,
        JsonTokenType.String when Money.TryParse(reader.GetString(), out var amount) => amount,
        _ => throw new MoneyFormatException(),
    };

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(decimal.Parse(value.ToString("0.00", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
}

/// <summary>An amount in a JSON body that is neither a number nor a string in the amount grammar.</summary>
public sealed class MoneyFormatException : JsonException
{
    public const string Rule = "a JSON number or a string of ASCII digits with at most two decimals, such as \"100.00\"";

    public MoneyFormatException() : base($"Expected an amount: {Rule}.")
    {
    }

    public MoneyFormatException(string message) : base(message)
    {
    }

    public MoneyFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
