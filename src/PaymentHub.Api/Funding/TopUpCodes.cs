using PaymentHub.Infrastructure;

namespace PaymentHub.Funding;

/// <summary>How top-ups are named to resellers and callers: gateway codes, the reseller's four statuses, a safe return URL.</summary>
public static class TopUpCodes
{
    public static readonly IReadOnlyDictionary<FundingGateway, string> GatewayCodes = new Dictionary<FundingGateway, string>
    {
        [FundingGateway.ShurjoPay] = "shurjopay",
        [FundingGateway.SecureSoftPay] = "securesoftpay",
        [FundingGateway.Sandbox] = "sandbox",
    };

    public static FundingGateway? ParseGateway(string? text) =>
        GatewayCodes.FirstOrDefault(p => EnumNames.Matches(p.Value, text)) is { Value: not null } match
            ? match.Key
            : null;

    /// <summary>What a reseller sees: Pending, Completed, Failed or Cancelled.</summary>
    public static string ResellerStatus(TopUpStatus status) => status switch
    {
        TopUpStatus.Initiating or TopUpStatus.Pending or TopUpStatus.Review => "Pending",
        TopUpStatus.Completed => "Completed",
        TopUpStatus.Cancelled => "Cancelled",
        _ => "Failed",
    };

    /// <summary>A top-up as topup_status reports it (and its topup.* callback carries it).</summary>
    public static System.Text.Json.Nodes.JsonObject Describe(TopUp topUp) => new()
    {
        ["success"] = true,
        ["topup_id"] = topUp.Reference,
        ["status"] = TopUpCodes.ResellerStatus(topUp.Status),
        ["amount"] = Money.Format(topUp.Amount),
        ["currency"] = topUp.Currency,
        ["gateway"] = TopUpCodes.GatewayCodes[topUp.Gateway],
        ["gateway_reference"] = topUp.GatewayTransactionId ?? topUp.GatewayOrderId,
        ["created_at"] = topUp.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        ["completed_at"] = topUp.CompletedAt?.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
    };

    public static bool IsSafeReturnUrl(string url) =>
        url.Length <= 500 && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && string.IsNullOrEmpty(uri.UserInfo);
}
