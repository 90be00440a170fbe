using System.Globalization;
using PaymentHub.Recharge;

namespace PaymentHub.Connectors.Nurr;

/// <summary>
/// Forwards recharges to a nurr-compatible hub, with our order number as its request_id. The submit is sent once; an
/// unknown outcome is resolved by <c>action=status_check</c> (when <see cref="NurrOptions.RechargeStatusCheck"/>) or by
/// the operator, never by sending it again and never by a refund on an error reply.
/// </summary>
public sealed partial class NurrRechargeConnector(NurrClient client, ILogger<NurrRechargeConnector> logger) : IRechargeConnector
{
    public const string ConnectorName = ConnectorNames.Nurr;

    public string Name => ConnectorName;

    public bool CanCheckStatus => client.RechargeStatusCheck;

    public bool IsConfigured => client.IsConfigured;

    public async Task<RechargeOutcome> RechargeAsync(RechargeWork work, CancellationToken ct)
    {
        var reply = await client.PostAsync("api/mobile-recharge.php",
        [
            new("phone", work.Phone), new("amount", work.Amount.ToString("0.00", CultureInfo.InvariantCulture)),
            new("operator", work.OperatorCode), new("account_type", work.AccountType), new("request_id", work.OrderNumber),
        ], ct);
        return reply.Kind switch
        {
            // A refused submit was not carried out, and one that never left cannot have been: both are final.
            NurrReplyKind.Refused => new RechargeOutcome.Failed($"Upstream refused: {reply.Error}"),
            NurrReplyKind.NotSent => new RechargeOutcome.Failed(reply.Error ?? "The upstream could not be reached; nothing was sent."),
            NurrReplyKind.Answer => reply.Text("status") switch
            {
                "Success" => new RechargeOutcome.Succeeded(TransactionId(reply)),
                "Failed" => new RechargeOutcome.Failed(reply.Text("failure_reason") ?? "Upstream reported the recharge failed."),
                var status => new RechargeOutcome.Unknown($"Upstream status: {status ?? "missing"}"),
            },
            _ => new RechargeOutcome.Unknown(reply.Error ?? "Upstream outcome unknown"),
        };
    }

    public async Task<RechargeOutcome> CheckAsync(RechargeWork work, CancellationToken ct)
    {
        if (!client.RechargeStatusCheck)
        {
            return new RechargeOutcome.Unknown("Recharge status queries are off (Connectors:Nurr:RechargeStatusCheck); an operator must resolve it.");
        }
        var reply = await client.PostAsync("api/mobile-recharge.php?action=status_check", [new("request_id", work.OrderNumber)], ct);
        var status = NurrOrderStatus.Read(reply, work.Amount, ("phone", work.Phone));
        switch (status.State)
        {
            case NurrOrderState.Succeeded:
                return new RechargeOutcome.Succeeded(TransactionId(reply));
            case NurrOrderState.Failed:
                return new RechargeOutcome.Failed(reply.Text("failure_reason") ?? reply.Text("cancel_note") ?? "Upstream reported the recharge failed.");
            default:
                LogStillOpen(work.OrderNumber, status.Note);
                return new RechargeOutcome.Unknown(status.Note);
        }
    }

    private static string TransactionId(NurrReply reply) => reply.Text("operator_transaction_id") ?? reply.Text("order_number") ?? "unknown";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recharge {OrderNumber} stays Processing: {Note}")]
    private partial void LogStillOpen(string orderNumber, string note);
}
