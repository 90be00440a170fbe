namespace PaymentHub.Webhooks;

/// <summary>The event types a reseller can subscribe to.</summary>
public static class WebhookEvents
{
    public const string BillSucceeded = "bill.succeeded";
    public const string BillCancelled = "bill.cancelled";
    public const string RechargeSucceeded = "recharge.succeeded";
    public const string RechargeFailed = "recharge.failed";
    public const string TopUpCompleted = "topup.completed";
    public const string TopUpFailed = "topup.failed";
    public const string WalletCredited = "wallet.credited";
    public const string WalletDebited = "wallet.debited";

    public static readonly IReadOnlyList<string> All =
        [BillSucceeded, BillCancelled, RechargeSucceeded, RechargeFailed, TopUpCompleted, TopUpFailed, WalletCredited, WalletDebited];

    /// <summary>
    /// The subscribed types of a request (names exactly as listed, in any order, "*" for all), or null when one is unknown
    /// or none is given. Stored in <see cref="All"/> order, without duplicates.
    /// </summary>
    public static IReadOnlyList<string>? Parse(IEnumerable<string?> names)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            // Only ASCII spaces around a name ("a, b"): a no-break or ideographic space is not a separator but a wrong name.
            var trimmed = name?.Trim(' ');
            if (trimmed == "*")
            {
                wanted.UnionWith(All);
            }
            else if (trimmed is null || !All.Contains(trimmed, StringComparer.Ordinal))
            {
                return null;
            }
            else
            {
                wanted.Add(trimmed);
            }
        }
        return wanted.Count == 0 ? null : All.Where(wanted.Contains).ToList();
    }

    public static string Join(IEnumerable<string> types) => string.Join(',', types);

    public static IReadOnlyList<string> Split(string stored) => stored.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
