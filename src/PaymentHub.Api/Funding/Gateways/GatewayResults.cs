namespace PaymentHub.Funding.Gateways;

/// <summary>What a gateway's server-side verification says about one payment.</summary>
public enum GatewayCheckOutcome
{
    /// <summary>The gateway says the money was received.</summary>
    Paid,
    /// <summary>Started but not finished; ask again later.</summary>
    Pending,
    Failed,
    Cancelled,
    /// <summary>The gateway does not know this payment (a forged or mistyped reference).</summary>
    UnknownPayment,
    /// <summary>No usable answer: not configured, timeout, HTTP error, HTML, malformed JSON. Nothing can be concluded.</summary>
    Unavailable,
}

public sealed record GatewayCheck(
    GatewayCheckOutcome Outcome, string Message, string? Code = null, decimal? Amount = null, string? Currency = null,
    string? Method = null, string? GatewayTransactionId = null, string? TopUpReference = null);

/// <summary>The answer of a gateway to "start a payment".</summary>
public sealed record GatewayCheckout(bool Succeeded, string Message, string? PaymentUrl = null, string? GatewayOrderId = null)
{
    public static GatewayCheckout Failure(string message) => new(false, message);
}
