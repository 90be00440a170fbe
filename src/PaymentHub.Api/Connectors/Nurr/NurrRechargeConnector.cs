using PaymentHub.Recharge;

namespace PaymentHub.Connectors.Nurr;

/// <summary>Forwards recharges to a nurr-compatible hub, with our order number as its request_id.</summary>
public sealed class NurrRechargeConnector(NurrClient client) : IRechargeConnector
{
    public const string ConnectorName = "nurr";

    public string Name => ConnectorName;

    public bool CanCheckStatus => true;

    public bool IsConfigured => client.IsConfigured;

    public async Task<RechargeOutcome> RechargeAsync(RechargeWork work, CancellationToken ct) =>
        Read(await client.PostAsync("api/mobile-recharge.php",
        [
            new("phone", work.Phone), new("amount", work.Amount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)),
            new("operator", work.OperatorCode), new("account_type", work.AccountType), new("request_id", work.OrderNumber),
        ], ct));

    public async Task<RechargeOutcome> CheckAsync(RechargeWork work, CancellationToken ct) =>
        Read(await client.PostAsync("api/mobile-recharge.php?action=status_check", [new("request_id", work.OrderNumber)], ct));

    private static RechargeOutcome Read(NurrReply reply) => reply.Kind switch
    {
        NurrReplyKind.Refused => new RechargeOutcome.Failed($"Upstream refused: {reply.Error}"),
        NurrReplyKind.Answer => reply.Text("status") switch
        {
            "Success" => new RechargeOutcome.Succeeded(reply.Text("operator_transaction_id") ?? reply.Text("order_number") ?? "unknown"),
            "Failed" => new RechargeOutcome.Failed(reply.Text("failure_reason") ?? "Upstream reported the recharge failed."),
            _ => new RechargeOutcome.Unknown($"Upstream status: {reply.Text("status") ?? "missing"}"),
        },
        _ => new RechargeOutcome.Unknown(reply.Error ?? "Upstream outcome unknown"),
    };
}
