using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
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
/// Moves a Processing bill order to its final state. The status change is one conditional UPDATE, so of two
/// racing settlements (worker and operator, or two instances) exactly one wins; a cancellation's refund is posted
/// in the same transaction, and the ledger's unique (kind, reference) refuses a second refund. The reseller's callback
/// event (bill.succeeded / bill.cancelled) is written to the outbox in that transaction too.
/// </summary>
public sealed class BillOrderSettlement(PaymentHubDbContext db, LedgerService ledger, WebhookOutbox outbox, TimeProvider clock)
{
    /// <param name="leaseOwner">The worker's lease, or null for an operator (who may not settle an order a worker holds).</param>
    public async Task<SettlementResult> CompleteAsync(string orderNumber, string tokenNumber, string? leaseOwner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var updated = await Claimable(orderNumber, leaseOwner, now)
            .ExecuteUpdateAsync(s =>
            {
                Close(s, now);
                s.SetProperty(o => o.Status, BillOrderStatus.Success).SetProperty(o => o.TokenNumber, tokenNumber);
            }, ct);
        if (updated == 0)
        {
            await tx.RollbackAsync(ct);
            return await WhyNotAsync(orderNumber, ct);
        }
        await RaiseAsync(orderNumber, WebhookEvents.BillSucceeded, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await CountedAsync(orderNumber, BillOrderStatus.Success, ct);
    }

    /// <summary>The order's callback event, its data as status_check reports the order now (in this transaction).</summary>
    private async Task RaiseAsync(string orderNumber, string type, CancellationToken ct)
    {
        var order = await db.BillOrders.AsNoTracking().SingleAsync(o => o.OrderNumber == orderNumber, ct);
        await outbox.EnqueueAsync(db, order.ResellerId, type, orderNumber, BillPaymentApi.ToStatusReply(order), ct);
    }

    public async Task<SettlementResult> CancelAsync(string orderNumber, string cancelNote, string? leaseOwner, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var updated = await Claimable(orderNumber, leaseOwner, now)
            .ExecuteUpdateAsync(s =>
            {
                Close(s, now);
                s.SetProperty(o => o.Status, BillOrderStatus.Cancelled).SetProperty(o => o.CancelNote, cancelNote);
            }, ct);
        if (updated == 0)
        {
            await tx.RollbackAsync(ct);
            return await WhyNotAsync(orderNumber, ct);
        }

        var debitJournalId = await db.BillOrders.Where(o => o.OrderNumber == orderNumber)
            .Select(o => o.DebitJournalId).SingleAsync(ct);
        var refund = await ledger.ReverseAsync(debitJournalId, JournalKind.BillOrderRefund, orderNumber,
            $"Refund: {Truncate(cancelNote, 400)}", ct);
        await db.SaveChangesAsync(ct);
        await db.BillOrders.Where(o => o.OrderNumber == orderNumber)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.RefundJournalId, refund.Id), ct);
        await RaiseAsync(orderNumber, WebhookEvents.BillCancelled, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await CountedAsync(orderNumber, BillOrderStatus.Cancelled, ct);
    }

    private async Task<SettlementResult> CountedAsync(string orderNumber, BillOrderStatus status, CancellationToken ct)
    {
        var connector = await db.BillOrders.Where(o => o.OrderNumber == orderNumber).Select(o => o.Connector).SingleAsync(ct);
        PaymentHubMetrics.OrderSettled("bill", connector, status.ToString());
        return SettlementResult.Settled;
    }

    /// <summary>The stages an order may be settled from (<see cref="BillStages.Machine"/>): every one but Done.</summary>
    private static readonly IReadOnlyList<BillStage> ToDone = BillStages.Machine.MovingTo(BillStage.Done);

    /// <summary>What every final state shares: the work is done and nobody holds or schedules it any more.</summary>
    private static void Close(UpdateSettersBuilder<BillOrder> s, DateTime now) => s
        .SetProperty(o => o.Stage, BillStage.Done)
        .SetProperty(o => o.CompletedAt, now)
        .SetProperty(o => o.UpdatedAt, now)
        .SetProperty(o => o.NextAttemptAt, (DateTime?)null)
        .SetProperty(o => o.LeaseOwner, (string?)null)
        .SetProperty(o => o.LeaseExpiresAt, (DateTime?)null);

    /// <summary>The worker settles only under its own lease; an operator only what no lease holds (<see cref="Leases.Free{T}"/>).</summary>
    private IQueryable<BillOrder> Claimable(string orderNumber, string? leaseOwner, DateTime now)
    {
        var open = db.BillOrders.Where(o => o.OrderNumber == orderNumber && o.Status == BillOrderStatus.Processing
                                            && ToDone.Contains(o.Stage));
        return leaseOwner is null ? open.Where(Leases.Free<BillOrder>(now)) : open.Where(o => o.LeaseOwner == leaseOwner);
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
