using System.Text.RegularExpressions;

namespace PaymentHub.Funding.Gateways;

/// <summary>
/// A payment gateway's id of a payment, in the one form PaymentHub stores and compares. The gateways behind our funding
/// are PHP/MySQL scripts whose lookups ignore case (and may trim), so "TX123", "tx123" and "TX123\n" can all name one
/// payment there: only ASCII ids without any surrounding characters are accepted, and they are kept upper-cased, so the
/// unique index on the stored id refuses every spelling of a payment already claimed.
/// </summary>
public static partial class GatewayTransactionIds
{
    public const int MaxLength = 64;

    /// <summary>The canonical form, or null when the text is not a well-formed id (anything but [A-Za-z0-9_.-]{1,64}).</summary>
    public static string? Canonicalize(string? text) =>
        text is not null && WellFormed().IsMatch(text) ? text.ToUpperInvariant() : null;

    /// <summary>Whether two texts name the same payment: both well-formed and equal in canonical form.</summary>
    public static bool Same(string? a, string? b) => Canonicalize(a) is { } left && left == Canonicalize(b);

    // \A…\z, not ^…$: in .NET '$' also matches before a final '\n', which once let "TX123\n" pass as a second id.
    [GeneratedRegex(@"\A[A-Za-z0-9_.-]{1,64}\z", RegexOptions.CultureInvariant)]
    public static partial Regex WellFormed();
}
