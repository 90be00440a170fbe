using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentHub.Infrastructure;

/// <summary>Writes every decimal with exactly two places (SQLite hands back e.g. 9500.0), reads plain JSON numbers.</summary>
public sealed class MoneyJsonConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number
            ? reader.GetDecimal()
            : throw new JsonException("Expected a number.");

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(decimal.Parse(value.ToString("0.00", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
}
