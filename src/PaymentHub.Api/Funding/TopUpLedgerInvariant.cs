using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Ledger;

namespace PaymentHub.Funding;

/// <summary>Every completed top-up (and only those) was credited exactly its amount, once; no gateway payment backs two.</summary>
public sealed class TopUpLedgerInvariant : ILedgerInvariant
{
    public async Task CheckAsync(PaymentHubDbContext db, LedgerFindings findings, CancellationToken ct)
    {
        // A top-up's credit journal has the top-up's reference; its wallet entry must be the top-up's amount.
        findings.TopUpCreditMismatches.AddRange(await db.TopUps.AsNoTracking()
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
            .Where(t => t.Status == TopUpStatus.Completed ? t.Journals != 1 || t.Credited != t.Amount : t.Journals != 0)
            .Select(t => new TopUpCreditMismatch(t.Reference, t.Status.ToString(), t.Amount, t.Journals, t.Credited))
            .ToListAsync(ct));
        findings.SharedGatewayPayments.AddRange(await SharedGatewayPaymentsAsync(db, ct));
    }

    /// <summary>
    /// A gateway's payment pays for one top-up: no transaction id (SecureSoftPay) or order id (shurjoPay), compared in the
    /// canonical upper-case form, may stand behind two credited top-ups, whatever spelling each was stored in.
    /// </summary>
    private static async Task<List<SharedGatewayPayment>> SharedGatewayPaymentsAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var credited = await db.TopUps.AsNoTracking()
            .Where(t => t.CreditJournalId != null || t.Status == TopUpStatus.Completed)
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
