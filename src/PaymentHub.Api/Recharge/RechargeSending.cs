using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Idempotency;
using PaymentHub.Infrastructure;
using PaymentHub.Resellers;

namespace PaymentHub.Recharge;

/// <summary>
/// The part of a recharge after its debit committed: send it upstream (unless manual), record the outcome, answer the
/// reseller, and keep that answer for a retry with the same request_id.
/// </summary>
public sealed partial class RechargeSending(
    PaymentHubDbContext db, RechargeSettlement settlement, IdempotencyGate gate, IOptions<RechargeOptions> options, TimeProvider clock,
    ILoggerFactory loggers)
{
    public async Task<IResult> SendAndAnswerAsync(IRechargeConnector? connector, RechargeOrder order, AuthenticatedReseller reseller, string? requestId)
    {
        // From here on the money has moved: the outcome is recorded whatever happens to the caller's connection, and
        // the reseller is told about the order whatever fails, never "Transaction failed", which would invite a second
        // recharge under a new request_id.
        JsonObject reply;
        // Recording the outcome, reading the order back and keeping the answer share one pooled connection, taken once
        // the upstream has answered and given back when this method returns.
        await using var connection = new HeldConnection(db.Database);
        try
        {
            var settled = connector is null ? null : await SendAsync(connector, order, connection, CancellationToken.None);
            await connection.OpenAsync(CancellationToken.None);
            // Settled here: the order as its settlement left it. Otherwise (manual, unknown, or settled by someone
            // else first) it is read as it stands now.
            var final = settled ?? await db.RechargeOrders.AsNoTracking().SingleAsync(o => o.Id == order.Id, CancellationToken.None);
            reply = RechargeReplies.For(final, reseller.Name);
        }
        catch (Exception ex)
        {
            // The order stays Processing as committed: the reconciler resolves it by status query once ResolveAfterSeconds
            // have passed (or an operator does, for a manual one). It is neither resent nor refunded blindly.
            LogLeftProcessing(loggers.CreateLogger(typeof(RechargeApi).FullName!), ex, order.OrderNumber);
            reply = RechargeReplies.For(order, reseller.Name);
        }
        if (requestId is not null)
        {
            await gate.TryAnswerAsync(reseller.Id, RechargeApi.IdempotencyScope, requestId, StatusCodes.Status200OK, reply.ToJsonString());
        }
        return ResellerResults.Reply(StatusCodes.Status200OK, reply);
    }

    /// <summary>Sends the recharge and records the outcome; the order as settled here, or null when this request did not settle it.</summary>
    private async Task<RechargeOrder?> SendAsync(IRechargeConnector connector, RechargeOrder order, HeldConnection connection, CancellationToken ct)
    {
        var work = new RechargeWork(order.OrderNumber, order.Phone, order.OperatorCode, order.AccountType, order.Amount, order.CreatedAt);
        RechargeOutcome outcome;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.UpstreamTimeoutSeconds));
        try
        {
            outcome = await connector.RechargeAsync(work, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            outcome = new RechargeOutcome.Unknown($"{ex.GetType().Name} while sending the recharge.");
        }

        await connection.OpenAsync(ct);
        switch (outcome)
        {
            case RechargeOutcome.Succeeded success:
                return await settlement.SucceedAsync(order, success.OperatorTransactionId, ct);
            case RechargeOutcome.Failed failed:
                return await settlement.FailAsync(order.Id, failed.Reason, null, ct);
            case RechargeOutcome.Unknown unknown:
                await RecordUnknownAsync(order, unknown.Note, connector.CanCheckStatus, ct);
                return null;
            default:
                throw new UnreachableException($"Unknown recharge outcome {outcome.GetType().Name}.");
        }
    }

    /// <summary>Sent, outcome unknown: the reconciler asks the status query, or (without one) the operator is flagged.</summary>
    private async Task RecordUnknownAsync(RechargeOrder order, string unknownNote, bool canCheck, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var note = unknownNote.Length <= 1000 ? unknownNote : unknownNote[..1000];
        await db.RechargeOrders.Where(o => o.Id == order.Id && o.Status == RechargeStatus.Processing)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Stage, RechargeStages.Machine.Move(RechargeStage.Sending, RechargeStage.Unknown))
                .SetProperty(o => o.LastError, note)
                .SetProperty(o => o.NextAttemptAt, canCheck ? now.AddSeconds(2) : null)
                .SetProperty(o => o.FlaggedAt, canCheck ? null : now)
                .SetProperty(o => o.FlagReason, canCheck ? null : "Outcome unknown and the connector has no status query: " + note)
                .SetProperty(o => o.UpdatedAt, now), ct);
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Recharge {OrderNumber} is debited but sending or settling it failed; it stays Processing for the status query")]
    private static partial void LogLeftProcessing(ILogger logger, Exception ex, string orderNumber);
}
