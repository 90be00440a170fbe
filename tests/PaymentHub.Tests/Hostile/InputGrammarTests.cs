using PaymentHub.Infrastructure;
using PaymentHub.Resellers;

namespace PaymentHub.Tests.Hostile;

/// <summary>The grammars every endpoint shares: one for reseller amounts, one for enum names (see README, "Security").</summary>
public sealed class InputGrammarTests
{
    [Theory]
    [InlineData("500", "500")]
    [InlineData("500.5", "500.5")]
    [InlineData("500.50", "500.50")]
    [InlineData("0.50", "0.50")]
    [InlineData("0.01", "0.01")]
    [InlineData("999999999999.99", "999999999999.99")]
    public void Amounts_in_the_grammar_are_read(string text, string expected)
    {
        Assert.True(Money.TryParsePositive(text, out var amount));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), amount);
    }

    [Theory]
    [InlineData("050")]
    [InlineData("00.50")]
    [InlineData("0")]
    [InlineData("0.00")]
    [InlineData("-0")]
    [InlineData("+5")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    [InlineData("1.234")]
    [InlineData("1,000")]
    [InlineData("5.")]
    [InlineData(".5")]
    [InlineData("1000000000000")]
    [InlineData("99999999999999")]
    [InlineData("50\u00a0")]
    [InlineData("50\u3000")]
    [InlineData(" 50")]
    [InlineData("50\n")]
    [InlineData("\u0665\u0660")]
    [InlineData("\uff15\uff10")]
    [InlineData("")]
    public void Anything_else_is_not_an_amount(string text) => Assert.False(Money.TryParsePositive(text, out _));

    [Theory]
    [InlineData("active", ResellerStatus.Active)]
    [InlineData("Suspended", ResellerStatus.Suspended)]
    [InlineData("SUSPENDED", ResellerStatus.Suspended)]
    public void Enum_names_are_read_in_any_ascii_case(string text, ResellerStatus expected)
    {
        Assert.True(EnumNames.TryParse<ResellerStatus>(text, out var status));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("7")]
    [InlineData("-1")]
    [InlineData("active,suspended")]
    [InlineData(" active")]
    [InlineData("active ")]
    [InlineData("\u017fuspended")]
    [InlineData("ACT\u0130VE")]
    [InlineData("")]
    [InlineData(null)]
    public void Numbers_lists_padding_and_look_alikes_are_not_enum_names(string? text) =>
        Assert.False(EnumNames.TryParse<ResellerStatus>(text, out _));
}
