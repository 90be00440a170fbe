using System.Globalization;
using System.Text.RegularExpressions;

namespace PaymentHub.Infrastructure;

public static partial class Money
{
    /// <summary>Largest amount any API accepts; far above every limit, it only keeps arithmetic away from overflow.</summary>
    public const decimal Ceiling = 999_999_999_999.99m;

    /// <summary>
    /// The one grammar of a reseller-API amount: ASCII digits, no leading zero (but "0.50"), at most 12 integer digits,
    /// optionally "." and one or two decimals. No sign, exponent, group separator, other digits or white space
    /// (the form reader has already trimmed surrounding ASCII spaces).
    /// </summary>
    [GeneratedRegex(@"\A(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex AmountPattern();

    /// <summary>Parses a reseller-supplied amount by <see cref="AmountPattern"/>; it must be greater than zero.</summary>
    public static bool TryParsePositive(string? text, out decimal amount)
    {
        return TryParse(text, out amount) && amount > 0m;
    }

    /// <summary>Parses an amount by <see cref="AmountPattern"/> (zero allowed; a limit such as a minimum may be 0).</summary>
    public static bool TryParse(string? text, out decimal amount)
    {
        amount = 0m;
        if (text is null || !AmountPattern().IsMatch(text))
        {
            return false;
        }
        amount = decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return true;
    }

    public static bool HasAtMostTwoDecimals(decimal amount) => decimal.Round(amount, 2) == amount;

    public static string Format(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);
}
