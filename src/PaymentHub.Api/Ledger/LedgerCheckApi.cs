using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Bills;
using PaymentHub.Data;

namespace PaymentHub.Ledger;

public sealed record UnbalancedJournal(long JournalId, decimal Sum, int Entries);
public sealed record WalletMismatch(long AccountId, decimal Balance, decimal EntriesSum);
public sealed record NegativeWallet(long AccountId, decimal Balance);
public sealed record OrderRefundMismatch(string OrderNumber, string Status, long? RefundJournalId);
public sealed record TopUpCreditMismatch(string TopUpId, string Status, decimal Amount, int CreditJournals, decimal Credited);

public sealed record LedgerCheckReply(
    bool Ok,
    int JournalsChecked,
    int WalletsChecked,
    IReadOnlyList<UnbalancedJournal> UnbalancedJournals,
    IReadOnlyList<WalletMismatch> WalletMismatches,
    IReadOnlyList<NegativeWallet> NegativeWallets,
    IReadOnlyList<OrderRefundMismatch> OrderRefundMismatches,
    IReadOnlyList<TopUpCreditMismatch> TopUpCreditMismatches);

public static class LedgerCheckApi
{
    public static RouteGroupBuilder MapLedgerAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/ledger/check", CheckAsync).WithTags("Ledger")
            .WithDescription("Verifies the invariants: every journal sums to zero, every wallet balance equals the sum of its entries, no wallet is below zero, and every cancelled bill and failed recharge was refunded exactly once, and every completed top-up (and only those) was credited exactly its amount, once.");
        return admin;
    }

    public static async Task<Ok<LedgerCheckReply>> CheckAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var journalTotals = await db.LedgerJournals.AsNoTracking()
            .Select(j => new
            {
                j.Id,
                Sum = db.LedgerEntries.Where(e => e.JournalId == j.Id).Sum(e => e.Amount),
                Count = db.LedgerEntries.Count(e => e.JournalId == j.Id),
            })
            .Where(j => j.Sum != 0m || j.Count < 2)
            .ToListAsync(ct);
        var journalCount = await db.LedgerJournals.CountAsync(ct);

        var walletTotals = await db.LedgerAccounts.AsNoTracking()
            .Where(a => a.Kind == LedgerAccountKind.ResellerWallet)
            .Select(a => new { a.Id, a.Balance, Sum = db.LedgerEntries.Where(e => e.AccountId == a.Id).Sum(e => e.Amount) })
            .ToListAsync(ct);

        var refundMismatches = await db.BillOrders.AsNoTracking()
            .Where(o => (o.Status == BillOrderStatus.Cancelled) != (o.RefundJournalId != null))
            .Select(o => new OrderRefundMismatch(o.OrderNumber, o.Status.ToString(), o.RefundJournalId))
            .ToListAsync(ct);
        refundMismatches.AddRange(await db.RechargeOrders.AsNoTracking()
            .Where(o => (o.Status == Recharge.RechargeStatus.Failed) != (o.RefundJournalId != null))
            .Select(o => new OrderRefundMismatch(o.OrderNumber, o.Status.ToString(), o.RefundJournalId))
            .ToListAsync(ct));

        // A top-up's credit journal has the top-up's reference; its wallet entry must be the top-up's amount.
        var topUpMismatches = await db.TopUps.AsNoTracking()
            .Select(t => new
            {
                t.Reference,
                t.Status,
                t.Amount,
                Journals = db.LedgerJournals.Count(j => j.Kind == JournalKind.TopUpCredit && j.Reference == t.Reference),
                Credited = db.LedgerEntries
                    .Where(e => e.AccountId == t.Reseller!.WalletAccountId
                                && db.LedgerJournals.Any(j => j.Id == e.JournalId && j.Kind == JournalKind.TopUpCredit && j.Reference == t.Reference))
                    .Sum(e => (decimal?)e.Amount) ?? 0m,
            })
            .Where(t => t.Status == Funding.TopUpStatus.Completed ? t.Journals != 1 || t.Credited != t.Amount : t.Journals != 0)
            .Select(t => new TopUpCreditMismatch(t.Reference, t.Status.ToString(), t.Amount, t.Journals, t.Credited))
            .ToListAsync(ct);

        var unbalanced = journalTotals.Select(j => new UnbalancedJournal(j.Id, j.Sum, j.Count)).ToList();
        var mismatched = walletTotals.Where(w => w.Balance != w.Sum).Select(w => new WalletMismatch(w.Id, w.Balance, w.Sum)).ToList();
        var negative = walletTotals.Where(w => w.Balance < 0m).Select(w => new NegativeWallet(w.Id, w.Balance)).ToList();
        var ok = unbalanced.Count == 0 && mismatched.Count == 0 && negative.Count == 0 && refundMismatches.Count == 0
                 && topUpMismatches.Count == 0;
        return TypedResults.Ok(new LedgerCheckReply(ok, journalCount, walletTotals.Count, unbalanced, mismatched, negative, refundMismatches,
            topUpMismatches));
    }
}
