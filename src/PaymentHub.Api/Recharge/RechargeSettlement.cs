using System.Data.Common;
using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Ledger;
using PaymentHub.Observability;
using PaymentHub.Webhooks;

namespace PaymentHub.Recharge;

/// <summary>
/// Moves a Processing recharge to Success (then rewards, once) or Failed (then the refund, once). A settlement first
/// locks the order and checks that it is still open to it (<see cref="LockSettleableAsync"/>), so the request thread, the
/// reconciler and an operator can race without double effects. The reseller's callback event (recharge.succeeded /
/// recharge.failed) is written to the outbox in the same transaction.
/// </summary>
public sealed partial class RechargeSettlement(
    PaymentHubDbContext db, LedgerService ledger, RewardEngine rewards, WebhookOutbox outbox, TimeProvider clock, ILogger<RechargeSettlement> logger)
{
    /// <summary>
    /// Settles the recharge as a success and returns the order as settled (reward included), or null when it was not
    /// open to this caller: already final, or held by a lease that is not <paramref name="leaseOwner"/>.
    /// </summary>
    /// <param name="leaseOwner">The reconciler's lease; null for the request thread or an operator (who may not settle a leased order).</param>
    public async Task<RechargeOrder?> SucceedAsync(long orderId, string operatorTransactionId, string? leaseOwner, CancellationToken ct)
    {
        var (order, rewardsFailed) = await SettleSuccessAsync(orderId, operatorTransactionId, leaseOwner, grantRewards: true, ct);
        if (!rewardsFailed)
        {
            return order;
        }
        // The failed reward step took the whole transaction with it (no savepoint on the hot path: this is the rare case).
        // The success is settled again, without rewards, exactly as if the step had been rolled back alone.
        db.ChangeTracker.Clear();
        return (await SettleSuccessAsync(orderId, operatorTransactionId, leaseOwner, grantRewards: false, ct)).Order;
    }

    /// <summary>
    /// The request thread's success: <paramref name="placed"/> is the order as this request placed it. Most recharges need
    /// no cashback and no callback, and on PostgreSQL those settle in one statement (<see cref="RechargeSuccessStatement"/>);
    /// the others, and any recharge that statement could not settle, settle as
    /// <see cref="SucceedAsync(long, string, string?, CancellationToken)"/> does. Returns the same as that.
    /// </summary>
    public async Task<RechargeOrder?> SucceedAsync(RechargeOrder placed, string operatorTransactionId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (db.IsPostgres && !await rewards.MayPayCashbackAsync(placed, now, ct))
        {
            try
            {
                var (outcome, rewardResult) = await RechargeSuccessStatement.RunAsync(db, placed.Id, operatorTransactionId, now, ct);
                switch (outcome)
                {
                    case RechargeSuccessStatement.Outcome.NotOpen:
                        return null;
                    case RechargeSuccessStatement.Outcome.Settled:
                        Close(placed, now);
                        placed.Status = RechargeStatus.Success;
                        placed.OperatorTransactionId = operatorTransactionId;
                        placed.RewardResult = rewardResult;
                        PaymentHubMetrics.OrderSettled("recharge", placed.Connector, placed.Status.ToString());
                        return placed;
                }
            }
            catch (DbException ex)
            {
                // It wrote nothing, or (its reply lost) settled the order: the settlement below finds it open, or not.
                // A failing reward step ends here too: the settlement below tries the reward again, and settles without it
                // if it fails there as well.
                LogOneStatementFailed(logger, ex, placed.OrderNumber);
            }
        }
        return await SucceedAsync(placed.Id, operatorTransactionId, null, ct);
    }

    /// <summary>
    /// The success and its reward block commit together, so nobody ever sees a Success without its reward. A failing
    /// reward step never makes the recharge fail: it rolls this transaction back and says so (RewardsFailed), and the
    /// caller settles again with <paramref name="grantRewards"/> false, which records that the reward could not be made.
    /// </summary>
    private async Task<(RechargeOrder? Order, bool RewardsFailed)> SettleSuccessAsync(
        long orderId, string operatorTransactionId, string? leaseOwner, bool grantRewards, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await LockSettleableAsync(orderId, leaseOwner, now, ct) is not { } settled)
        {
            await tx.RollbackAsync(ct);
            return (null, false);
        }
        var order = settled.Order;
        if (await RewardsAsync(order, settled, grantRewards, ct) is not { } reward)
        {
            await tx.RollbackAsync(ct);
            return (null, true);
        }
        // One UPDATE writes the outcome and the reward.
        Close(order, now);
        order.Status = RechargeStatus.Success;
        order.OperatorTransactionId = operatorTransactionId;
        order.RewardResult = reward.ToJsonString();
        await RechargeOrderWrites.WriteOutcomeAsync(db, order, ct);
        return (await CommitSettledAsync(tx, order, settled.ResellerName, settled.HasEndpoints, WebhookEvents.RechargeSucceeded, ct), false);
    }

    /// <summary>A settled order with what its reward (success) and its reseller's callback (either outcome) need.</summary>
    private sealed record Settled(RechargeOrder Order, long WalletAccountId, string ResellerName, decimal PointsPercent, bool HasEndpoints);

    /// <summary>
    /// The order, locked for this settlement, with what the reward and the callback need; null when it is not open to this
    /// caller: already final, or under a lease <paramref name="leaseOwner"/> may not settle (<see cref="Leases.Settleable{T}"/>).
    /// The lock comes with the decision: PostgreSQL's FOR UPDATE (<see cref="RowLocks"/>) waits for a concurrent settler's
    /// commit and tests the conditions again on the row as that left it, so an order settled meanwhile is not returned;
    /// SQLite's transaction (BEGIN IMMEDIATE) already runs one writer at a time. Holding the row,
    /// the settlement then writes its outcome with one UPDATE, instead of a conditional UPDATE to claim it and another for
    /// what follows.
    /// </summary>
    private Task<Settled?> LockSettleableAsync(long orderId, string? leaseOwner, DateTime now, CancellationToken ct) =>
        SettleableQuery.For(db)(db, orderId, leaseOwner, now, ct);

    /// <summary>The stages a recharge may be settled from (<see cref="RechargeStages.Machine"/>): every one but Done.</summary>
    private static readonly IReadOnlyList<RechargeStage> ToDone = RechargeStages.Machine.MovingTo(RechargeStage.Done);

    // Compiled once per model: every recharge settles, and EF's per-call work on this query (extracting its parameters,
    // looking its SQL up) cost more than the query (bench/README.md).
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, long, string?, DateTime, CancellationToken, Task<Settled?>>> SettleableQuery =
        new(model =>
        {
            var forUpdate = RowLocks.Tag<RechargeOrder>(model);
            Expression<Func<PaymentHubDbContext, long, string?, DateTime, CancellationToken, Settled?>> query = (db, orderId, leaseOwner, now, ct) =>
                db.RechargeOrders.TagWith(forUpdate).AsNoTracking()
                    .Where(o => o.Id == orderId && o.Status == RechargeStatus.Processing && ToDone.Contains(o.Stage)
                        && Leases.Settleable(o, leaseOwner, now))
                    .Join(db.Resellers, o => o.ResellerId, r => r.Id, (o, r) => new Settled(o, r.WalletAccountId, r.Name,
                        db.RewardSettings.Where(s => s.Id == 1).Select(s => (decimal?)s.PointsPercent).FirstOrDefault() ?? 0m,
                        db.Set<WebhookEndpoint>().Any(e => e.ResellerId == r.Id && e.Status == WebhookEndpointStatus.Enabled)))
                    .SingleOrDefault();
            return EF.CompileAsyncQuery(Leases.Inline(query));
        });

    /// <summary>The reward block: granted, or (without <paramref name="grant"/>) the note that it could not be; null when granting failed.</summary>
    private async Task<JsonObject?> RewardsAsync(RechargeOrder order, Settled settled, bool grant, CancellationToken ct)
    {
        if (!grant)
        {
            return new JsonObject { ["ok"] = false, ["message"] = "Reward could not be processed; it will not be retried automatically." };
        }
        try
        {
            return await rewards.GrantAsync(order, settled.WalletAccountId, settled.PointsPercent, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRewardFailed(logger, ex, order.OrderNumber);
            return null;
        }
    }

    /// <summary>
    /// Settles the recharge as failed, with the refund, and returns the order as settled; null when it was not open to
    /// this caller (see <see cref="SucceedAsync"/>).
    /// </summary>
    public async Task<RechargeOrder?> FailAsync(long orderId, string reason, string? leaseOwner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var text = reason.Length <= 500 ? reason : reason[..500];
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await LockSettleableAsync(orderId, leaseOwner, now, ct) is not { } settled)
        {
            await tx.RollbackAsync(ct);
            return null;
        }
        var order = settled.Order;
        var refund = await ledger.ReverseAsync(order.DebitJournalId, JournalKind.RechargeRefund, order.OrderNumber, $"Refund: {text}", ct);
        // The refund journal's id comes from its INSERT (on SQLite, at this save); the order's UPDATE names it.
        await db.SaveChangesWithoutSavepointAsync(ct);
        Close(order, now);
        order.Status = RechargeStatus.Failed;
        order.FailureReason = text;
        order.RefundJournalId = refund.Id;
        await RechargeOrderWrites.WriteOutcomeAsync(db, order, ct);
        return await CommitSettledAsync(tx, order, settled.ResellerName, settled.HasEndpoints, WebhookEvents.RechargeFailed, ct);
    }

    /// <summary>
    /// Ends a settlement: the reseller's callback event, its data the settled <paramref name="order"/> as status_check
    /// reports it, written to the outbox in the settlement's transaction, then the commit. A reseller with no enabled
    /// endpoint (<paramref name="hasEndpoints"/>, read with the order) has nothing to be told, and most have none.
    /// </summary>
    private async Task<RechargeOrder> CommitSettledAsync(
        IDbContextTransaction tx, RechargeOrder order, string resellerName, bool hasEndpoints, string eventType, CancellationToken ct)
    {
        if (hasEndpoints)
        {
            await outbox.EnqueueAsync(db, order.ResellerId, eventType, order.OrderNumber, RechargeReplies.For(order, resellerName), ct);
        }
        await db.SaveChangesWithoutSavepointAsync(ct);
        await tx.CommitAsync(ct);
        PaymentHubMetrics.OrderSettled("recharge", order.Connector, order.Status.ToString());
        return order;
    }

    /// <summary>What every final state shares: the work is done and nobody holds or schedules it any more.</summary>
    private static void Close(RechargeOrder order, DateTime now)
    {
        order.Stage = RechargeStages.Machine.Move(order.Stage, RechargeStage.Done);
        order.CompletedAt = now;
        order.UpdatedAt = now;
        Leases.Release(order);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recharge {OrderNumber}: the one-statement success settlement failed; settling it step by step")]
    private static partial void LogOneStatementFailed(ILogger logger, Exception ex, string orderNumber);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rewards for recharge {OrderNumber} failed")]
    private static partial void LogRewardFailed(ILogger logger, Exception ex, string orderNumber);
}
