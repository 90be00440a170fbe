using System.Globalization;
using PaymentHub.Fulfilment;

namespace PaymentHub.Connectors.Nurr;

/// <summary>
/// Routes bill orders to a nurr-compatible hub: <c>action=submit</c> once (our order number as request_id), then
/// <c>action=status_check</c> until final. The service's connector_product_code is the upstream's
/// "provider_id:service_id".
/// </summary>
public sealed class NurrBillConnector(NurrClient client) : IBillConnector, IOptionalConnector
{
    public string Name => NurrRechargeConnector.ConnectorName;

    public bool IsEnabled => client.IsConfigured;

    public async Task<ConnectorOutcome> ProcessAsync(BillOrderWork work, CancellationToken ct)
    {
        if (!client.IsConfigured)
        {
            return new ConnectorOutcome.NeedsOperator("The nurr connector is not configured (Connectors:Nurr:BaseUrl, ApiKey, ApiSecret).");
        }
        if (work.Stage is "submitting" or "submitted")
        {
            return await FollowAsync(work, ct);
        }

        var ids = work.ProductCode?.Split(':');
        if (ids is not [var providerId, var serviceId])
        {
            return new ConnectorOutcome.NeedsOperator("The service's connector_product_code must be the upstream's 'provider_id:service_id'.");
        }
        var fields = new List<KeyValuePair<string, string>>
        {
            new("provider_id", providerId), new("service_id", serviceId),
            new("amount", work.Amount.ToString("0.00", CultureInfo.InvariantCulture)), new("request_id", work.OrderNumber),
        };
        fields.AddRange(work.ModuleData);
        if (work.BillMonth is not null)
        {
            fields.Add(new("bill_month", work.BillMonth));
        }

        // Recorded before the call: after a crash we only ask, we never submit again.
        await work.SaveCheckpointAsync(new ConnectorCheckpoint("submitting", null, null), ct);
        var reply = await client.PostAsync("api/bill-payment.php?action=submit", fields, ct);
        return reply.Kind switch
        {
            NurrReplyKind.Refused => new ConnectorOutcome.Cancelled($"Upstream refused: {reply.Error}"),
            NurrReplyKind.Answer => new ConnectorOutcome.Pending(TimeSpan.FromSeconds(1), "submitted", null, reply.Text("order_number")),
            _ => new ConnectorOutcome.Pending(BillFulfilmentWorker.Backoff(work.Attempts), "submitting", reply.Error),
        };
    }

    private async Task<ConnectorOutcome> FollowAsync(BillOrderWork work, CancellationToken ct)
    {
        var query = work.UpstreamRef is { } upstreamOrder
            ? new KeyValuePair<string, string>("order_number", upstreamOrder)
            : new KeyValuePair<string, string>("request_id", work.OrderNumber);
        var reply = await client.PostAsync("api/bill-payment.php?action=status_check", [query], ct);
        if (reply.Kind != NurrReplyKind.Answer)
        {
            return new ConnectorOutcome.Pending(BillFulfilmentWorker.Backoff(work.Attempts), work.Stage!, reply.Error);
        }
        return reply.Text("status") switch
        {
            "Success" => new ConnectorOutcome.Succeeded(reply.Text("token_number") ?? reply.Text("order_number") ?? "unknown", reply.Text("order_number")),
            "Cancelled" => new ConnectorOutcome.Cancelled(reply.Text("cancel_note") ?? "Cancelled by the upstream."),
            _ => new ConnectorOutcome.Pending(BillFulfilmentWorker.Backoff(work.Attempts), "submitted", "Upstream still processing", reply.Text("order_number")),
        };
    }
}
