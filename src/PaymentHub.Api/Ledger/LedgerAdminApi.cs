using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Observability;

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

/// <summary>What the record-specific invariants (<see cref="ILedgerInvariant"/>) found; the ledger's own checks are in the reply.</summary>
public sealed class LedgerFindings
{
    public List<OrderRefundMismatch> OrderRefundMismatches { get; } = [];
    public List<TopUpCreditMismatch> TopUpCreditMismatches { get; } = [];
    public List<RechargeDebitMismatch> RechargeDebitMismatches { get; } = [];
    public List<CashbackMismatch> CashbackMismatches { get; } = [];
    public List<SharedGatewayPayment> SharedGatewayPayments { get; } = [];

    public bool Any => OrderRefundMismatches.Count + TopUpCreditMismatches.Count + RechargeDebitMismatches.Count
                       + CashbackMismatches.Count + SharedGatewayPayments.Count > 0;
}

/// <summary>
/// An invariant between the ledger and the records whose money it holds (bill orders, recharges, top-ups), checked by
/// <c>GET /admin/v1/ledger/check</c>. Each feature that moves money declares its own next to its records, so the ledger
/// knows none of them; <see cref="LedgerAdminApi"/> runs every implementation in this assembly (parameterless).
/// </summary>
public interface ILedgerInvariant
{
    Task CheckAsync(PaymentHubDbContext db, LedgerFindings findings, CancellationToken ct);
}

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

public static class LedgerAdminApi
{
    /// <summary>Every invariant, in a fixed order (by type name), so findings are listed the same way every time.</summary>
    private static readonly ILedgerInvariant[] Invariants = typeof(ILedgerInvariant).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.IsAssignableTo(typeof(ILedgerInvariant)))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (ILedgerInvariant)Activator.CreateInstance(t)!)
        .ToArray();

    public static RouteGroupBuilder MapLedgerAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/ledger/check", CheckAsync).WithTags("Ledger")
            .WithDescription("Verifies the invariants: every journal sums to zero, every wallet balance equals the sum of its entries, no wallet is below zero, and every cancelled bill and failed recharge was refunded exactly once, every completed top-up (and only those) was credited exactly its amount, once, every recharge has exactly one debit journal taking amount - commission (more than zero) from the wallet and a refund of exactly that when it failed, and every cashback grant (on Success recharges only) matches its cashback journal, and no gateway payment (its id compared case-insensitively) backs two credited top-ups.");
        return admin;
    }

    public static async Task<Ok<LedgerCheckReply>> CheckAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
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

        var findings = new LedgerFindings();
        foreach (var invariant in Invariants)
        {
            await invariant.CheckAsync(db, findings, ct);
        }

        var unbalanced = journalTotals.Select(j => new UnbalancedJournal(j.Id, j.Sum, j.Count)).ToList();
        var mismatched = walletTotals.Where(w => w.Balance != w.Sum).Select(w => new WalletMismatch(w.Id, w.Balance, w.Sum)).ToList();
        var negative = walletTotals.Where(w => w.Balance < 0m).Select(w => new NegativeWallet(w.Id, w.Balance)).ToList();
        var ok = unbalanced.Count == 0 && mismatched.Count == 0 && negative.Count == 0 && !findings.Any;
        PaymentHubMetrics.LedgerChecked(ok, Stopwatch.GetElapsedTime(started));
        return TypedResults.Ok(new LedgerCheckReply(ok, journalCount, walletTotals.Count, unbalanced, mismatched, negative,
            findings.OrderRefundMismatches, findings.TopUpCreditMismatches, findings.RechargeDebitMismatches, findings.CashbackMismatches,
            findings.SharedGatewayPayments));
    }
}
