using FluentValidation;

namespace PaymentHub.Infrastructure;

/// <summary>FluentValidation rules shared by the admin API's requests.</summary>
public static class TextRules
{
    /// <summary>
    /// Names, notes and codes never contain control characters (U+0000-U+001F, U+007F-U+009F: NUL, CR/LF, DEL, …),
    /// the same rule the reseller API's form reader applies to every field.
    /// </summary>
    public static IRuleBuilderOptions<T, TText> NoControlCharacters<T, TText>(this IRuleBuilder<T, TText> rule)
        where TText : IEnumerable<char>? =>
        rule.Must(text => text is null || !text.Any(char.IsControl)).WithMessage("'{PropertyName}' must not contain control characters.");
}
