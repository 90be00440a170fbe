using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Ledger;
using PaymentHub.Observability;
using PaymentHub.Webhooks;

namespace PaymentHub.Bills;

public enum SettlementResult
{
    Settled,
    NotFound,
    AlreadyFinal,
    Busy,
}

/// <summary>
/// Moves a Processing bill order to its final state. A settlement first locks the order and checks that it is still open
/// to it (<see cref="LockSettleableAsync"/>), so of two racing settlements (worker and operator, or two instances) exactly
/// one settles it; a cancellation's refund is posted in the same transaction, and the ledger's unique (kind, reference)
/// refuses a second refund. The reseller's callback event (bill.succeeded / bill.cancelled) is written to the outbox in
/// that transaction too.
/// </summary>
public sealed class BillOrderSettlement(PaymentHubDbContext db, LedgerService ledger, WebhookOutbox outbox, TimeProvider clock)
{
    /// <param name="leaseOwner">The worker's lease, or null for an operator (who may not settle an order a worker holds).</param>
    public async Task<SettlementResult> CompleteAsync(string orderNumber, string tokenNumber, string? leaseOwner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await LockSettleableAsync(orderNumber, leaseOwner, now, ct) is not { } order)
        {
            await tx.RollbackAsync(ct);
            return await WhyNotAsync(orderNumber, ct);
        }
        Leases.TrackLocked(db, order);
        Close(order, now);
        order.Status = BillOrderStatus.Success;
        order.TokenNumber = tokenNumber;
        return await CommitSettledAsync(tx, order, WebhookEvents.BillSucceeded, ct);
    }

    public async Task<SettlementResult> CancelAsync(string orderNumber, string cancelNote, string? leaseOwner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await LockSettleableAsync(orderNumber, leaseOwner, now, ct) is not { } order)
        {
            await tx.RollbackAsync(ct);
            return await WhyNotAsync(orderNumber, ct);
        }
        var refund = await ledger.ReverseAsync(order.DebitJournalId, JournalKind.BillOrderRefund, orderNumber,
            $"Refund: {Truncate(cancelNote, 400)}", ct);
        // The refund journal's id comes from its INSERT; the order's UPDATE that names it goes with the commit.
        await db.SaveChangesWithoutSavepointAsync(ct);
        Leases.TrackLocked(db, order);
        Close(order, now);
        order.Status = BillOrderStatus.Cancelled;
        order.CancelNote = cancelNote;
        order.RefundJournalId = refund.Id;
        return await CommitSettledAsync(tx, order, WebhookEvents.BillCancelled, ct);
    }

    /// <summary>
    /// Ends a settlement: the order's callback event, its data the settled order as status_check reports it, then one
    /// write of the order's outcome with that event, and the commit.
    /// </summary>
    private async Task<SettlementResult> CommitSettledAsync(IDbContextTransaction tx, BillOrder order, string eventType, CancellationToken ct)
    {
        await outbox.EnqueueAsync(db, order.ResellerId, eventType, order.OrderNumber, BillPaymentApi.ToStatusReply(order), ct);
        await db.SaveChangesWithoutSavepointAsync(ct);
        await tx.CommitAsync(ct);
        PaymentHubMetrics.OrderSettled("bill", order.Connector, order.Status.ToString());
        return SettlementResult.Settled;
    }

    /// <summary>
    /// The order, locked for this settlement; null when it is not open to this caller: already final, or under a lease
    /// <paramref name="leaseOwner"/> may not settle (<see cref="Leases.Settleable{T}"/>). The lock comes with the decision:
    /// FOR UPDATE (<see cref="RowLocks"/>) waits for a concurrent settler's commit and tests the conditions again on the row
    /// as that left it, so an order settled meanwhile is not returned; SQLite's transaction (BEGIN IMMEDIATE) already runs
    /// one writer at a time.
    /// </summary>
    private Task<BillOrder?> LockSettleableAsync(string orderNumber, string? leaseOwner, DateTime now, CancellationToken ct) =>
        SettleableQuery.For(db)(db, orderNumber, leaseOwner, now, ct);

    /// <summary>The stages an order may be settled from (<see cref="BillStages.Machine"/>): every one but Done.</summary>
    private static readonly IReadOnlyList<BillStage> ToDone = BillStages.Machine.MovingTo(BillStage.Done);

    // Compiled once per model, as the recharge settlement's (RechargeSettlement.SettleableQuery).
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, string, string?, DateTime, CancellationToken, Task<BillOrder?>>> SettleableQuery =
        new(model =>
        {
            var forUpdate = RowLocks.Tag<BillOrder>(model);
            Expression<Func<PaymentHubDbContext, string, string?, DateTime, CancellationToken, BillOrder?>> query = (db, orderNumber, leaseOwner, now, ct) =>
                db.BillOrders.TagWith(forUpdate).AsNoTracking()
                    .Where(o => o.OrderNumber == orderNumber && o.Status == BillOrderStatus.Processing && ToDone.Contains(o.Stage)
                        && Leases.Settleable(o, leaseOwner, now))
                    .SingleOrDefault();
            return EF.CompileAsyncQuery(Leases.Inline(query));
        });

    /// <summary>What every final state shares: the work is done and nobody holds or schedules it any more.</summary>
    private static void Close(BillOrder order, DateTime now)
    {
        order.Stage = BillStages.Machine.Move(order.Stage, BillStage.Done);
        order.CompletedAt = now;
        order.UpdatedAt = now;
        Leases.Release(order);
    }

    private async Task<SettlementResult> WhyNotAsync(string orderNumber, CancellationToken ct)
    {
        var status = await db.BillOrders.Where(o => o.OrderNumber == orderNumber)
            .Select(o => (BillOrderStatus?)o.Status).FirstOrDefaultAsync(ct);
        return status switch
        {
            null => SettlementResult.NotFound,
            BillOrderStatus.Processing => SettlementResult.Busy,
            _ => SettlementResult.AlreadyFinal,
        };
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
