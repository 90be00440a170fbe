using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Ledger;

namespace PaymentHub.Recharge;

/// <summary>
/// A recharge's money in the ledger: its debit, its refund (failed recharges, and only those) and its cashback
/// (Success recharges only).
/// </summary>
public sealed class RechargeLedgerInvariant : ILedgerInvariant
{
    public async Task CheckAsync(PaymentHubDbContext db, LedgerFindings findings, CancellationToken ct)
    {
        findings.OrderRefundMismatches.AddRange(await db.RechargeOrders.AsNoTracking()
            .Where(o => (o.Status == RechargeStatus.Failed) != (o.RefundJournalId != null))
            .Select(o => new OrderRefundMismatch(o.OrderNumber, o.Status.ToString(), o.RefundJournalId))
            .ToListAsync(ct));
        findings.RechargeDebitMismatches.AddRange(await DebitMismatchesAsync(db, ct));
        findings.CashbackMismatches.AddRange(await CashbackMismatchesAsync(db, ct));
    }

    /// <summary>
    /// A recharge takes amount - commission (never nothing) from its reseller's wallet in exactly one debit journal, the one
    /// the order points to; a failed one gets exactly that back in one refund journal, any other none.
    /// </summary>
    private static Task<List<RechargeDebitMismatch>> DebitMismatchesAsync(PaymentHubDbContext db, CancellationToken ct) =>
        db.RechargeOrders.AsNoTracking()
            .Select(o => new
            {
                o.OrderNumber,
                o.Status,
                o.Amount,
                o.Commission,
                o.DebitAmount,
                DebitJournals = db.LedgerJournals.Count(j => j.Kind == JournalKind.RechargeDebit && j.Reference == o.OrderNumber),
                DebitJournalLinked = db.LedgerJournals.Any(j => j.Id == o.DebitJournalId && j.Kind == JournalKind.RechargeDebit && j.Reference == o.OrderNumber),
                WalletDebited = db.LedgerEntries
                    .Where(e => db.Resellers.Any(r => r.Id == o.ResellerId && r.WalletAccountId == e.AccountId)
                                && db.LedgerJournals.Any(j => j.Id == e.JournalId && j.Kind == JournalKind.RechargeDebit && j.Reference == o.OrderNumber))
                    .Sum(e => (decimal?)-e.Amount) ?? 0m,
                RefundJournals = db.LedgerJournals.Count(j => j.Kind == JournalKind.RechargeRefund && j.Reference == o.OrderNumber),
                WalletRefunded = db.LedgerEntries
                    .Where(e => db.Resellers.Any(r => r.Id == o.ResellerId && r.WalletAccountId == e.AccountId)
                                && db.LedgerJournals.Any(j => j.Id == e.JournalId && j.Kind == JournalKind.RechargeRefund && j.Reference == o.OrderNumber))
                    .Sum(e => (decimal?)e.Amount) ?? 0m,
            })
            .Where(o => o.DebitJournals != 1 || !o.DebitJournalLinked || o.Commission >= o.Amount
                        || o.DebitAmount != o.Amount - o.Commission || o.WalletDebited != o.DebitAmount
                        || (o.Status == RechargeStatus.Failed
                            ? o.RefundJournals != 1 || o.WalletRefunded != o.DebitAmount
                            : o.RefundJournals != 0))
            .Select(o => new RechargeDebitMismatch(o.OrderNumber, o.Status.ToString(), o.Amount, o.Commission, o.DebitAmount, o.DebitJournals,
                o.DebitJournalLinked, o.WalletDebited, o.RefundJournals, o.WalletRefunded))
            .ToListAsync(ct);

    /// <summary>
    /// Cashback is paid on a Success recharge only, at most once: each grant is credited to the wallet by the cashback journal
    /// it points to (the recharge's), and no cashback journal exists without its grant.
    /// </summary>
    private static Task<List<CashbackMismatch>> CashbackMismatchesAsync(PaymentHubDbContext db, CancellationToken ct) =>
        db.RechargeOrders.AsNoTracking()
            .Select(o => new
            {
                o.OrderNumber,
                o.Status,
                Grants = db.CashbackGrants.Count(g => g.RechargeOrderId == o.Id),
                Granted = db.CashbackGrants.Where(g => g.RechargeOrderId == o.Id).Sum(g => (decimal?)g.Amount) ?? 0m,
                CashbackJournals = db.LedgerJournals.Count(j => j.Kind == JournalKind.Cashback && j.Reference == o.OrderNumber),
                GrantJournalsLinked = db.CashbackGrants.Where(g => g.RechargeOrderId == o.Id)
                    .All(g => db.LedgerJournals.Any(j => j.Id == g.JournalId && j.Kind == JournalKind.Cashback && j.Reference == o.OrderNumber)),
                WalletCredited = db.LedgerEntries
                    .Where(e => db.Resellers.Any(r => r.Id == o.ResellerId && r.WalletAccountId == e.AccountId)
                                && db.LedgerJournals.Any(j => j.Id == e.JournalId && j.Kind == JournalKind.Cashback && j.Reference == o.OrderNumber))
                    .Sum(e => (decimal?)e.Amount) ?? 0m,
            })
            .Where(o => o.Grants != o.CashbackJournals || o.Granted != o.WalletCredited || !o.GrantJournalsLinked
                        || (o.Grants > 0 && o.Status != RechargeStatus.Success))
            .Select(o => new CashbackMismatch(o.OrderNumber, o.Status.ToString(), o.Grants, o.Granted, o.CashbackJournals, o.GrantJournalsLinked,
                o.WalletCredited))
            .ToListAsync(ct);
}
