using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;

namespace PaymentHub.Ledger;

/// <summary>The operator's own ledger accounts, created and resolved once at start-up.</summary>
public sealed class HouseAccounts
{
    private static readonly LedgerAccountKind[] Kinds = Enum.GetValues<LedgerAccountKind>()
        .Where(k => k != LedgerAccountKind.ResellerWallet).ToArray();

    private Dictionary<LedgerAccountKind, long> _ids = [];
    private HashSet<long> _idSet = [];

    public long this[LedgerAccountKind kind] => _ids.TryGetValue(kind, out var id)
        ? id
        : throw new InvalidOperationException($"House account {kind} has not been loaded.");

    public bool IsHouseAccount(long accountId) => _idSet.Contains(accountId);

    public static string CodeOf(LedgerAccountKind kind) => $"house:{kind}";

    public async Task EnsureCreatedAsync(PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var existing = await db.LedgerAccounts.Where(a => a.Kind != LedgerAccountKind.ResellerWallet)
            .ToDictionaryAsync(a => a.Kind, a => a.Id, ct);
        var missing = Kinds.Where(k => !existing.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            foreach (var kind in missing)
            {
                db.LedgerAccounts.Add(new LedgerAccount { Code = CodeOf(kind), Kind = kind, CreatedAt = clock.GetUtcNow().UtcDateTime });
            }
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
            {
                // Another instance created them at the same moment; read theirs below.
                db.ChangeTracker.Clear();
            }
            existing = await db.LedgerAccounts.Where(a => a.Kind != LedgerAccountKind.ResellerWallet)
                .ToDictionaryAsync(a => a.Kind, a => a.Id, ct);
        }
        _ids = existing;
        _idSet = [.. existing.Values];
    }
}
