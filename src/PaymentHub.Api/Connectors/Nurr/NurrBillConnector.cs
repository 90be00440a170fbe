using System.Globalization;
using PaymentHub.Fulfilment;

namespace PaymentHub.Connectors.Nurr;

/// <summary>
/// Routes bill orders to a nurr-compatible hub: <c>action=submit</c> once (our order number as request_id), then
/// <c>action=status_check</c> until final. The service's connector_product_code is the upstream's
/// "provider_id:service_id". An error reply to a status query never cancels: the order waits, and the worker flags it
/// for the operator once it is older than <c>Fulfilment:FlagAfterMinutes</c>.
/// </summary>
public sealed class NurrBillConnector(NurrClient client) : IBillConnector, IOptionalConnector
{
    public string Name => ConnectorNames.Nurr;

    public bool IsEnabled => client.IsConfigured;

    public async Task<ConnectorOutcome> ProcessAsync(BillOrderWork work, CancellationToken ct)
    {
        if (!client.IsConfigured)
        {
            return new ConnectorOutcome.NeedsOperator("The nurr connector is not configured (Connectors:Nurr:BaseUrl, ApiKey, ApiSecret).");
        }
        // Once a submit may have gone out (or was reported paid but not yet settled), the order is only asked about.
        if (work.Stage is BillStage.Submitting or BillStage.Submitted or BillStage.Settling)
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
        await work.SaveCheckpointAsync(new ConnectorCheckpoint(BillStage.Submitting, null, null), ct);
        var reply = await client.PostAsync("api/bill-payment.php?action=submit", fields, ct);
        return reply.Kind switch
        {
            NurrReplyKind.Refused => new ConnectorOutcome.Cancelled($"Upstream refused: {reply.Error}"),
            NurrReplyKind.Answer => new ConnectorOutcome.Pending(TimeSpan.FromSeconds(1), BillStage.Submitted, null, reply.Text("order_number")),
            // Nothing left (connection refused, circuit open): the submit may be made again later.
            NurrReplyKind.NotSent => new ConnectorOutcome.Pending(RetryBackoff.After(work.Attempts), BillStage.New, reply.Error),
            _ => new ConnectorOutcome.Pending(RetryBackoff.After(work.Attempts), BillStage.Submitting, reply.Error),
        };
    }

    /// <summary>Asks about a submitted (or possibly submitted) order; only a readable final answer about it settles it.</summary>
    private async Task<ConnectorOutcome> FollowAsync(BillOrderWork work, CancellationToken ct)
    {
        var query = work.UpstreamRef is { } upstreamOrder
            ? new KeyValuePair<string, string>("order_number", upstreamOrder)
            : new KeyValuePair<string, string>("request_id", work.OrderNumber);
        var reply = await client.PostAsync("api/bill-payment.php?action=status_check", [query], ct);
        var status = NurrOrderStatus.Read(reply, work.Amount, ("order_number", work.UpstreamRef));
        var upstreamRef = status.AboutThisOrder ? reply.Text("order_number") : null;
        return status.State switch
        {
            NurrOrderState.Succeeded => new ConnectorOutcome.Succeeded(reply.Text("token_number") ?? upstreamRef ?? "unknown", upstreamRef),
            NurrOrderState.Failed => new ConnectorOutcome.Cancelled(reply.Text("cancel_note") ?? reply.Text("failure_reason") ?? "Cancelled by the upstream."),
            // A readable answer about the order proves the upstream has it; anything else leaves the stage as it was
            // (and a success not yet settled stays Settling).
            _ => new ConnectorOutcome.Pending(RetryBackoff.After(work.Attempts),
                status.AboutThisOrder && work.Stage != BillStage.Settling ? BillStage.Submitted : work.Stage,
                status.Note, upstreamRef),
        };
    }
}
