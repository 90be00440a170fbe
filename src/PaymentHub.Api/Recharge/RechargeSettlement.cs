using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Ledger;
using PaymentHub.Observability;
using PaymentHub.Webhooks;

namespace PaymentHub.Recharge;

/// <summary>
/// Moves a Processing recharge to Success (then rewards, once) or Failed (then the refund, once). The status change
/// is a conditional UPDATE, so the request thread, the reconciler and an operator can race without double effects. The
/// reseller's callback event (recharge.succeeded / recharge.failed) is written to the outbox in the same transaction.
/// </summary>
public sealed partial class RechargeSettlement(
    PaymentHubDbContext db, LedgerService ledger, RewardEngine rewards, WebhookOutbox outbox, TimeProvider clock, ILogger<RechargeSettlement> logger)
{
    /// <param name="leaseOwner">The reconciler's lease; null for the request thread or an operator (who may not settle a leased order).</param>
    public async Task<bool> SucceedAsync(long orderId, string operatorTransactionId, string? leaseOwner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var updated = await Claimable(orderId, leaseOwner, now).ExecuteUpdateAsync(s =>
        {
            Close(s, now);
            s.SetProperty(o => o.Status, RechargeStatus.Success).SetProperty(o => o.OperatorTransactionId, operatorTransactionId);
        }, ct);
        if (updated == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        // The order as this UPDATE left it, with what the reward and the callback need of its reseller, in one read.
        var settled = await db.RechargeOrders.AsNoTracking().Where(o => o.Id == orderId)
            .Join(db.Resellers, o => o.ResellerId, r => r.Id, (o, r) => new { Order = o, r.WalletAccountId, ResellerName = r.Name })
            .SingleAsync(ct);
        var order = settled.Order;
        // The success and its reward block commit together, so nobody ever sees a Success without its reward; a failing
        // reward step is rolled back to the savepoint alone and never makes the recharge fail.
        await tx.CreateSavepointAsync("rewards", ct);
        JsonObject reward;
        try
        {
            reward = await rewards.GrantAsync(order, settled.WalletAccountId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRewardFailed(logger, ex, order.OrderNumber);
            await tx.RollbackToSavepointAsync("rewards", ct);
            db.ChangeTracker.Clear();
            reward = new JsonObject { ["ok"] = false, ["message"] = "Reward could not be processed; it will not be retried automatically." };
        }
        order.RewardResult = reward.ToJsonString();
        await db.RechargeOrders.Where(o => o.Id == orderId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.RewardResult, order.RewardResult), ct);
        // The callback reports the order as status_check does now: the row read above plus the reward just written.
        await outbox.EnqueueAsync(db, order.ResellerId, WebhookEvents.RechargeSucceeded, order.OrderNumber,
            RechargeReplies.For(order, settled.ResellerName), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        PaymentHubMetrics.OrderSettled("recharge", order.Connector, nameof(RechargeStatus.Success));
        return true;
    }

    public async Task<bool> FailAsync(long orderId, string reason, string? leaseOwner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var text = reason.Length <= 500 ? reason : reason[..500];
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var updated = await Claimable(orderId, leaseOwner, now).ExecuteUpdateAsync(s =>
        {
            Close(s, now);
            s.SetProperty(o => o.Status, RechargeStatus.Failed).SetProperty(o => o.FailureReason, text);
        }, ct);
        if (updated == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }
        var order = await db.RechargeOrders.Where(o => o.Id == orderId).Select(o => new { o.OrderNumber, o.DebitJournalId, o.Connector }).SingleAsync(ct);
        var refund = await ledger.ReverseAsync(order.DebitJournalId, JournalKind.RechargeRefund, order.OrderNumber, $"Refund: {text}", ct);
        await db.SaveChangesAsync(ct);
        await db.RechargeOrders.Where(o => o.Id == orderId).ExecuteUpdateAsync(s => s.SetProperty(o => o.RefundJournalId, refund.Id), ct);
        await RaiseAsync(orderId, WebhookEvents.RechargeFailed, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        PaymentHubMetrics.OrderSettled("recharge", order.Connector, nameof(RechargeStatus.Failed));
        return true;
    }

    /// <summary>The order's callback event, its data as status_check reports the order now (in this transaction).</summary>
    private async Task RaiseAsync(long orderId, string type, CancellationToken ct)
    {
        var order = await db.RechargeOrders.AsNoTracking().SingleAsync(o => o.Id == orderId, ct);
        var name = await db.Resellers.Where(r => r.Id == order.ResellerId).Select(r => r.Name).SingleAsync(ct);
        await outbox.EnqueueAsync(db, order.ResellerId, type, order.OrderNumber, RechargeReplies.For(order, name), ct);
    }

    /// <summary>The stages a recharge may be settled from (<see cref="RechargeStages.Machine"/>): every one but Done.</summary>
    private static readonly IReadOnlyList<RechargeStage> ToDone = RechargeStages.Machine.MovingTo(RechargeStage.Done);

    /// <summary>What every final state shares: the work is done and nobody holds or schedules it any more.</summary>
    private static void Close(UpdateSettersBuilder<RechargeOrder> s, DateTime now) => s
        .SetProperty(o => o.Stage, RechargeStage.Done)
        .SetProperty(o => o.CompletedAt, now)
        .SetProperty(o => o.UpdatedAt, now)
        .SetProperty(o => o.NextAttemptAt, (DateTime?)null)
        .SetProperty(o => o.LeaseOwner, (string?)null)
        .SetProperty(o => o.LeaseExpiresAt, (DateTime?)null);

    /// <summary>The reconciler settles only under its own lease; the request thread and an operator only what no lease holds (<see cref="Leases.Free{T}"/>).</summary>
    private IQueryable<RechargeOrder> Claimable(long orderId, string? leaseOwner, DateTime now)
    {
        var open = db.RechargeOrders.Where(o => o.Id == orderId && o.Status == RechargeStatus.Processing && ToDone.Contains(o.Stage));
        return leaseOwner is null ? open.Where(Leases.Free<RechargeOrder>(now)) : open.Where(o => o.LeaseOwner == leaseOwner);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rewards for recharge {OrderNumber} failed")]
    private static partial void LogRewardFailed(ILogger logger, Exception ex, string orderNumber);
}
