using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Ledger;

namespace PaymentHub.Bills;

/// <summary>Every cancelled bill order, and only those, has its refund journal.</summary>
public sealed class BillLedgerInvariant : ILedgerInvariant
{
    public async Task CheckAsync(PaymentHubDbContext db, LedgerFindings findings, CancellationToken ct) =>
        findings.OrderRefundMismatches.AddRange(await db.BillOrders.AsNoTracking()
            .Where(o => (o.Status == BillOrderStatus.Cancelled) != (o.RefundJournalId != null))
            .Select(o => new OrderRefundMismatch(o.OrderNumber, o.Status.ToString(), o.RefundJournalId))
            .ToListAsync(ct));
}
