namespace PaymentHub.Connectors.Nurr;

public enum NurrOrderState
{
    Open,
    Succeeded,
    Failed,
}

/// <summary>What a reply to a status query says about one order; <see cref="AboutThisOrder"/> when it is a readable answer about it.</summary>
public sealed record NurrOrderStatus(NurrOrderState State, string Note, bool AboutThisOrder)
{
    /// <summary>
    /// Only a readable HTTP 200 that names the order's final state (Success; Failed or Cancelled) settles it, and only
    /// when the amount and the <paramref name="identity"/> fields it carries are the order's. Any other reply to a status
    /// query says nothing about the order: a 401 (our key revoked), a 404 "Transaction not found." for an order that was
    /// sent, a 422, 5xx, HTML, malformed or unreadable bodies all leave it open.
    /// </summary>
    public static NurrOrderStatus Read(NurrReply reply, decimal amount, params ReadOnlySpan<(string Field, string? Expected)> identity)
    {
        if (reply.Kind != NurrReplyKind.Answer)
        {
            return new NurrOrderStatus(NurrOrderState.Open, reply.Kind == NurrReplyKind.Refused
                ? $"Status query refused (HTTP {reply.HttpStatus}): {reply.Error}"
                : $"Status query unanswered: {reply.Error}", false);
        }
        if (JsonFields.Number(reply.Body, "amount") is { } answered && answered != amount)
        {
            return new NurrOrderStatus(NurrOrderState.Open, $"Status reply names the amount {answered}, not this order's.", false);
        }
        foreach (var (field, expected) in identity)
        {
            if (expected is not null && reply.Text(field) is { } actual && !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                return new NurrOrderStatus(NurrOrderState.Open, $"Status reply names another {field}, not this order's.", false);
            }
        }
        var status = reply.Text("status");
        var success = reply.Body.TryGetProperty("success", out var flag) ? flag.ValueKind : System.Text.Json.JsonValueKind.Undefined;
        return status switch
        {
            "Success" when success != System.Text.Json.JsonValueKind.False => new NurrOrderStatus(NurrOrderState.Succeeded, "Upstream reports Success", true),
            "Failed" or "Cancelled" => new NurrOrderStatus(NurrOrderState.Failed, $"Upstream reports {status}", true),
            _ => new NurrOrderStatus(NurrOrderState.Open, $"Upstream status: {status ?? "missing"}", true),
        };
    }
}
