using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Ledger;

namespace PaymentHub.Wallet;

public sealed class StatementOptions
{
    public const string Section = "Wallet:Statements";

    /// <summary>
    /// The offset from UTC in which statement dates are days. Bangladesh keeps +06:00 all year (no daylight saving since
    /// 2009), so a fixed offset is exact there and needs no time-zone database in the container.
    /// </summary>
    public double UtcOffsetHours { get; set; } = 6;

    /// <summary>The longest range a reseller can ask for in one statement.</summary>
    public int MaxResellerDays { get; set; } = 92;

    /// <summary>The longest range of an admin CSV export (streamed, so a year never sits in memory).</summary>
    public int MaxExportDays { get; set; } = 366;
}

/// <summary>A half-open UTC interval [From, To) covering whole local days.</summary>
public readonly record struct StatementRange(DateOnly FirstDay, DateOnly LastDay, DateTime FromUtc, DateTime ToUtc);

public sealed record StatementLine(
    long EntryId, DateTime CreatedAt, JournalKind Kind, string Reference, string? Description, decimal Amount, decimal Balance);

public sealed record StatementPage(
    decimal OpeningBalance, decimal ClosingBalance, int TotalEntries, IReadOnlyList<StatementLine> Lines);

/// <summary>One reseller's wallet movements on one local day.</summary>
public sealed record DailyWalletRow(
    DateOnly Day, int ResellerId, string ResellerName, decimal OpeningBalance, decimal Credited, decimal Debited, decimal ClosingBalance,
    int Entries);

/// <summary>
/// Statements of wallets, read from the ledger alone: the opening balance is the sum of the wallet's entries before
/// the range, and each line's balance adds the entries up to and including it, in the order (created_at, id). A
/// wallet's entries are immutable, so a closed day's statement never changes, and its closing balance is the balance
/// the ledger gives the wallet at that moment (the ledger check keeps that equal to the account's balance column).
/// </summary>
public sealed class WalletStatements(PaymentHubDbContext db, IOptions<StatementOptions> options)
{
    private readonly StatementOptions _options = options.Value;

    public TimeSpan UtcOffset => TimeSpan.FromHours(_options.UtcOffsetHours);

    public string UtcOffsetText => (UtcOffset < TimeSpan.Zero ? "-" : "+") + UtcOffset.ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    public int MaxResellerDays => _options.MaxResellerDays;

    public int MaxExportDays => _options.MaxExportDays;

    /// <summary>Whole local days <paramref name="first"/> to <paramref name="last"/> (inclusive), or null when last is before first.</summary>
    public StatementRange? Range(DateOnly first, DateOnly last) => last < first
        ? null
        : new StatementRange(first, last, StartOfDayUtc(first), StartOfDayUtc(last.AddDays(1)));

    public int Days(StatementRange range) => range.LastDay.DayNumber - range.FirstDay.DayNumber + 1;

    public DateOnly LocalDay(DateTime utc) => DateOnly.FromDateTime(utc + UtcOffset);

    private DateTime StartOfDayUtc(DateOnly day) => DateTime.SpecifyKind(day.ToDateTime(TimeOnly.MinValue) - UtcOffset, DateTimeKind.Utc);

    /// <summary>The wallet's balance as the ledger says at <paramref name="atUtc"/>: the sum of its entries before that moment.</summary>
    public async Task<decimal> BalanceAtAsync(long walletId, DateTime atUtc, CancellationToken ct) =>
        await db.LedgerEntries.Where(e => e.AccountId == walletId && e.CreatedAt < atUtc).SumAsync(e => e.Amount, ct);

    public async Task<StatementPage> PageAsync(long walletId, StatementRange range, int page, int perPage, CancellationToken ct)
    {
        var opening = await BalanceAtAsync(walletId, range.FromUtc, ct);
        var inRange = InRange(walletId, range);
        var total = await inRange.CountAsync(ct);
        var movement = await inRange.SumAsync(e => e.Amount, ct);
        var skipped = (page - 1) * perPage;
        var balance = opening + (skipped == 0 ? 0m : await Ordered(inRange).Take(skipped).SumAsync(e => e.Amount, ct));
        var lines = new List<StatementLine>(Math.Min(perPage, Math.Max(0, total - skipped)));
        await foreach (var row in Lines(inRange, skipped, perPage).AsAsyncEnumerable().WithCancellation(ct))
        {
            balance += row.Amount;
            lines.Add(row with { Balance = balance });
        }
        return new StatementPage(opening, opening + movement, total, lines);
    }

    /// <summary>Every line of the range, read row by row from the database (for a CSV export of any length).</summary>
    public async IAsyncEnumerable<StatementLine> StreamAsync(long walletId, StatementRange range, [EnumeratorCancellation] CancellationToken ct)
    {
        var balance = await BalanceAtAsync(walletId, range.FromUtc, ct);
        await foreach (var row in Lines(InRange(walletId, range), 0, null).AsAsyncEnumerable().WithCancellation(ct))
        {
            balance += row.Amount;
            yield return row with { Balance = balance };
        }
    }

    /// <summary>
    /// Every reseller's wallet, day by day: one row per wallet and local day with movements, in wallet then day order.
    /// Entries are read in one ordered stream and summed here, so memory does not grow with the range.
    /// </summary>
    public async IAsyncEnumerable<DailyWalletRow> HouseDailyAsync(StatementRange range, [EnumeratorCancellation] CancellationToken ct)
    {
        var wallets = await db.Resellers.AsNoTracking()
            .Select(r => new { r.Id, r.Name, r.WalletAccountId })
            .ToDictionaryAsync(r => r.WalletAccountId, ct);
        var walletIds = wallets.Keys.ToList();
        var openings = await db.LedgerEntries
            .Where(e => walletIds.Contains(e.AccountId) && e.CreatedAt < range.FromUtc)
            .GroupBy(e => e.AccountId)
            .Select(g => new { AccountId = g.Key, Sum = g.Sum(e => e.Amount) })
            .ToDictionaryAsync(g => g.AccountId, g => g.Sum, ct);

        var entries = db.LedgerEntries.AsNoTracking()
            .Where(e => walletIds.Contains(e.AccountId) && e.CreatedAt >= range.FromUtc && e.CreatedAt < range.ToUtc)
            .OrderBy(e => e.AccountId).ThenBy(e => e.CreatedAt).ThenBy(e => e.Id)
            .Select(e => new { e.AccountId, e.CreatedAt, e.Amount });

        DailyWalletRow? current = null;
        long currentAccount = 0;
        await foreach (var entry in entries.AsAsyncEnumerable().WithCancellation(ct))
        {
            var day = LocalDay(entry.CreatedAt);
            if (current is null || currentAccount != entry.AccountId || current.Day != day)
            {
                if (current is not null)
                {
                    yield return current;
                }
                var opening = current is not null && currentAccount == entry.AccountId
                    ? current.ClosingBalance
                    : openings.GetValueOrDefault(entry.AccountId);
                var reseller = wallets[entry.AccountId];
                current = new DailyWalletRow(day, reseller.Id, reseller.Name, opening, 0m, 0m, opening, 0);
                currentAccount = entry.AccountId;
            }
            current = current with
            {
                Credited = current.Credited + Math.Max(entry.Amount, 0m),
                Debited = current.Debited + Math.Max(-entry.Amount, 0m),
                ClosingBalance = current.ClosingBalance + entry.Amount,
                Entries = current.Entries + 1,
            };
        }
        if (current is not null)
        {
            yield return current;
        }
    }

    private IQueryable<LedgerEntry> InRange(long walletId, StatementRange range) =>
        db.LedgerEntries.AsNoTracking().Where(e => e.AccountId == walletId && e.CreatedAt >= range.FromUtc && e.CreatedAt < range.ToUtc);

    private static IQueryable<LedgerEntry> Ordered(IQueryable<LedgerEntry> entries) => entries.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id);

    /// <summary>The entries with their journals, in statement order, from the <paramref name="skip"/>th on.</summary>
    private IQueryable<StatementLine> Lines(IQueryable<LedgerEntry> entries, int skip, int? take)
    {
        var ordered = entries
            .Join(db.LedgerJournals, e => e.JournalId, j => j.Id,
                (e, j) => new { e.Id, e.CreatedAt, j.Kind, j.Reference, j.Description, e.Amount })
            .OrderBy(x => x.CreatedAt).ThenBy(x => x.Id)
            .Skip(skip);
        if (take is { } count)
        {
            ordered = ordered.Take(count);
        }
        return ordered.Select(x => new StatementLine(x.Id, x.CreatedAt, x.Kind, x.Reference, x.Description, x.Amount, 0m));
    }
}
