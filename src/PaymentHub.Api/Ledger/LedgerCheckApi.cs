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
public sealed record RechargeDebitMismatch(
    string OrderNumber, string Status, decimal Amount, decimal Commission, decimal DebitAmount, int DebitJournals, bool DebitJournalLinked,
    decimal WalletDebited, int RefundJournals, decimal WalletRefunded);
/// <summary>One gateway payment (its id in canonical form) behind more than one credited top-up.</summary>
public sealed record SharedGatewayPayment(string Gateway, string GatewayId, IReadOnlyList<string> TopUpIds);
public sealed record CashbackMismatch(string OrderNumber, string Status, int Grants, decimal Granted, int CashbackJournals, bool GrantJournalsLinked,
    decimal WalletCredited);

public sealed record LedgerCheckReply(
    bool Ok,
    int JournalsChecked,
    int WalletsChecked,
    IReadOnlyList<UnbalancedJournal> UnbalancedJournals,
    IReadOnlyList<WalletMismatch> WalletMismatches,
    IReadOnlyList<NegativeWallet> NegativeWallets,
    IReadOnlyList<OrderRefundMismatch> OrderRefundMismatches,
    IReadOnlyList<TopUpCreditMismatch> TopUpCreditMismatches,
    IReadOnlyList<RechargeDebitMismatch> RechargeDebitMismatches,
    IReadOnlyList<CashbackMismatch> CashbackMismatches,
    IReadOnlyList<SharedGatewayPayment> SharedGatewayPayments);

public static class LedgerCheckApi
{
    public static RouteGroupBuilder MapLedgerAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/ledger/check", CheckAsync).WithTags("Ledger")
            .WithDescription("Verifies the invariants: every journal sums to zero, every wallet balance equals the sum of its entries, no wallet is below zero, and every cancelled bill and failed recharge was refunded exactly once, every completed top-up (and only those) was credited exactly its amount, once, every recharge has exactly one debit journal taking amount - commission (more than zero) from the wallet and a refund of exactly that when it failed, and every cashback grant (on Success recharges only) matches its cashback journal, and no gateway payment (its id compared case-insensitively) backs two credited top-ups.");
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

        var rechargeMismatches = await RechargeDebitMismatchesAsync(db, ct);
        var cashbackMismatches = await CashbackMismatchesAsync(db, ct);
        var sharedPayments = await SharedGatewayPaymentsAsync(db, ct);

        var unbalanced = journalTotals.Select(j => new UnbalancedJournal(j.Id, j.Sum, j.Count)).ToList();
        var mismatched = walletTotals.Where(w => w.Balance != w.Sum).Select(w => new WalletMismatch(w.Id, w.Balance, w.Sum)).ToList();
        var negative = walletTotals.Where(w => w.Balance < 0m).Select(w => new NegativeWallet(w.Id, w.Balance)).ToList();
        var ok = unbalanced.Count == 0 && mismatched.Count == 0 && negative.Count == 0 && refundMismatches.Count == 0
                 && topUpMismatches.Count == 0 && rechargeMismatches.Count == 0 && cashbackMismatches.Count == 0
                 && sharedPayments.Count == 0;
        return TypedResults.Ok(new LedgerCheckReply(ok, journalCount, walletTotals.Count, unbalanced, mismatched, negative, refundMismatches,
            topUpMismatches, rechargeMismatches, cashbackMismatches, sharedPayments));
    }

    /// <summary>
    /// A recharge takes amount - commission (never nothing) from its reseller's wallet in exactly one debit journal, the one
    /// the order points to; a failed one gets exactly that back in one refund journal, any other none.
    /// </summary>
    private static Task<List<RechargeDebitMismatch>> RechargeDebitMismatchesAsync(PaymentHubDbContext db, CancellationToken ct) =>
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
                        || (o.Status == Recharge.RechargeStatus.Failed
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
                        || (o.Grants > 0 && o.Status != Recharge.RechargeStatus.Success))
            .Select(o => new CashbackMismatch(o.OrderNumber, o.Status.ToString(), o.Grants, o.Granted, o.CashbackJournals, o.GrantJournalsLinked,
                o.WalletCredited))
            .ToListAsync(ct);

    /// <summary>
    /// A gateway's payment pays for one top-up: no transaction id (SecureSoftPay) or order id (shurjoPay), compared in the
    /// canonical upper-case form, may stand behind two credited top-ups, whatever spelling each was stored in.
    /// </summary>
    private static async Task<List<SharedGatewayPayment>> SharedGatewayPaymentsAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var credited = await db.TopUps.AsNoTracking()
            .Where(t => t.CreditJournalId != null || t.Status == Funding.TopUpStatus.Completed)
            .Select(t => new { t.Reference, t.Gateway, t.GatewayTransactionId, t.GatewayOrderId })
            .ToListAsync(ct);
        return credited
            .SelectMany(t => new[] { t.GatewayTransactionId, t.GatewayOrderId }
                .Where(id => !string.IsNullOrEmpty(id))
                .Select(id => (t.Gateway, Id: id!.Trim().ToUpperInvariant(), t.Reference)))
            .GroupBy(x => (x.Gateway, x.Id))
            .Where(g => g.Select(x => x.Reference).Distinct().Count() > 1)
            .Select(g => new SharedGatewayPayment(g.Key.Gateway.ToString(), g.Key.Id, g.Select(x => x.Reference).Distinct().Order(StringComparer.Ordinal).ToList()))
            .ToList();
    }
}
