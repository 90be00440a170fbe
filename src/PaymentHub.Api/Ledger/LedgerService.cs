using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using PaymentHub.Data;
using PaymentHub.Observability;

namespace PaymentHub.Ledger;

public readonly record struct Posting(long AccountId, decimal Amount);

/// <summary>One wallet's share of a journal being posted: what a reseller's wallet.credited / wallet.debited callback reports.</summary>
public sealed record WalletPosting(long WalletAccountId, JournalKind Kind, string Reference, string? Description, decimal Amount, DateTime At);

/// <summary>
/// Told of every wallet movement while its journal is being posted, inside the caller's transaction and on the caller's
/// context, so that whatever it adds there (an outbox row) commits or rolls back with the money. In two steps:
/// <see cref="PrepareAsync"/> runs before any wallet row is locked and does the reading; the work it returns (null for
/// none) runs once the wallet is updated, with the balance the movement left. That work is synchronous on purpose: it may
/// add rows to the context, never wait on the database, because everything between a wallet's <c>UPDATE</c> and the
/// <c>COMMIT</c> holds up every other posting to that wallet.
/// </summary>
public interface IWalletPostingListener
{
    Task<Action<decimal>?> PrepareAsync(PaymentHubDbContext db, WalletPosting posting, CancellationToken ct);
}

public sealed class InsufficientFundsException(long accountId)
    : Exception($"Ledger account {accountId} has insufficient funds.")
{
    public long AccountId { get; } = accountId;
}

/// <summary>
/// Posts balanced journals. It must run inside the caller's database transaction, the one that also writes the state
/// change the journal pays for, so that money and state commit or roll back as one; or, where the posting and that state
/// are one statement, as that statement on its own, which is a transaction by itself (<see cref="TryPostAloneAsync"/>).
/// </summary>
public sealed class LedgerService(
    PaymentHubDbContext db, HouseAccounts house, TimeProvider clock, IEnumerable<IWalletPostingListener> listeners)
{
    /// <summary>
    /// Posts a journal: the wallets are updated (throwing <see cref="InsufficientFundsException"/> when one cannot pay) and
    /// the journal is written (PostgreSQL) or added to the context for the caller's save (SQLite). When given,
    /// <paramref name="balancesAfter"/> receives each updated wallet's balance after the movement.
    /// </summary>
    public async Task<LedgerJournal> PostAsync(
        JournalKind kind, string reference, string? description, IReadOnlyList<Posting> postings, CancellationToken ct,
        IDictionary<long, decimal>? balancesAfter = null) =>
        (await PostWithRowAsync(kind, reference, description, postings, null, ct, balancesAfter)).Journal;

    /// <summary>
    /// Posts a journal as <see cref="PostAsync"/> does and, where it can, inserts the row it pays for
    /// (<paramref name="paidRow"/>) in the same statement: on PostgreSQL, for a journal that moves one wallet (a submit's or
    /// a recharge's debit). Returns that row's id, or null when it did not insert it (SQLite, several wallets, no row): the
    /// caller then adds its row for its save, in the same transaction as before.
    /// </summary>
    public async Task<(LedgerJournal Journal, long? PaidRowId)> PostWithRowAsync(
        JournalKind kind, string reference, string? description, IReadOnlyList<Posting> postings, PaidRow? paidRow,
        CancellationToken ct, IDictionary<long, decimal>? balancesAfter = null)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Ledger postings must run inside a database transaction.");
        }

        var (lines, now, wallets) = Plan(kind, reference, description, postings);
        // The listeners read before the first wallet row is locked (see IWalletPostingListener).
        var afterUpdate = await PrepareListenersAsync(wallets, ct);
        var balances = balancesAfter ?? (afterUpdate.Count > 0 ? new Dictionary<long, decimal>() : null);
        var (journal, paidRowId) = await MoveMoneyAsync(kind, reference, description, now, lines, wallets, balances, paidRow, ct);
        foreach (var (walletAccountId, then) in afterUpdate)
        {
            then(balances![walletAccountId]);
        }

        var (debited, credited) = WalletMovement(lines);
        PaymentHubMetrics.WalletPosted(db, debited, credited);
        return (journal, paidRowId);
    }

    /// <summary>
    /// Posts a journal that moves one wallet together with the row it pays for, as one statement outside any transaction:
    /// on PostgreSQL a single statement is a transaction of its own, so the money and the row still commit or roll back as
    /// one, in one round trip instead of the statement and a COMMIT. For a caller whose whole write is that row (a submit
    /// or a recharge without a request_id). Null, with nothing written, where the posting needs more than that statement
    /// (SQLite, several wallets, a listener with rows to add): the caller then posts in a transaction of its own
    /// (<see cref="PostWithRowAsync"/>). Throws <see cref="InsufficientFundsException"/> as that does.
    /// </summary>
    public async Task<(LedgerJournal Journal, long? PaidRowId)?> TryPostAloneAsync(
        JournalKind kind, string reference, string? description, IReadOnlyList<Posting> postings, PaidRow paidRow,
        CancellationToken ct, IDictionary<long, decimal>? balancesAfter = null)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A posting on its own runs outside any transaction; inside one, use PostWithRowAsync.");
        }
        if (!db.IsPostgres)
        {
            return null;
        }
        var (lines, now, wallets) = Plan(kind, reference, description, postings);
        if (wallets.Count != 1 || (await PrepareListenersAsync(wallets, ct)).Count > 0)
        {
            return null;
        }
        await using var connection = await db.Database.HoldConnectionAsync(ct);
        var (journal, balance, paidRowId) = await PostOneWalletAsync(wallets[0], kind, reference, description, now, lines, paidRow, alone: true, ct);
        if (balancesAfter is not null)
        {
            balancesAfter[wallets[0].WalletAccountId] = balance;
        }
        var (debited, credited) = WalletMovement(lines);
        PaymentHubMetrics.WalletMoved(debited, credited);
        return (journal, paidRowId);
    }

    /// <summary>A journal's checked lines, its time, and the wallets it moves, in the order they are updated.</summary>
    private (List<Posting> Lines, DateTime Now, List<WalletPosting> Wallets) Plan(
        JournalKind kind, string reference, string? description, IReadOnlyList<Posting> postings)
    {
        var lines = BalancedLines(postings);
        var now = clock.GetUtcNow().UtcDateTime;
        // Wallets are updated in ascending id order so that two journals touching the same wallets never deadlock.
        var wallets = lines.Where(p => !house.IsHouseAccount(p.AccountId)).GroupBy(p => p.AccountId).OrderBy(g => g.Key)
            .Select(g => new WalletPosting(g.Key, kind, reference, description, g.Sum(p => p.Amount), now))
            .ToList();
        return (lines, now, wallets);
    }

    /// <summary>What a journal takes out of wallets and puts into them, for the metrics.</summary>
    private (decimal Debited, decimal Credited) WalletMovement(List<Posting> lines) => (
        -lines.Where(p => p.Amount < 0m && !house.IsHouseAccount(p.AccountId)).Sum(p => p.Amount),
        lines.Where(p => p.Amount > 0m && !house.IsHouseAccount(p.AccountId)).Sum(p => p.Amount));

    /// <summary>Updates the wallets (each one's new balance into <paramref name="balances"/>, when given) and writes or adds the journal.</summary>
    private async Task<(LedgerJournal Journal, long? PaidRowId)> MoveMoneyAsync(JournalKind kind, string reference, string? description,
        DateTime now, List<Posting> lines, List<WalletPosting> wallets, IDictionary<long, decimal>? balances, PaidRow? paidRow, CancellationToken ct)
    {
        if (db.IsPostgres && wallets.Count == 1)
        {
            // Every hot-path posting (a submit, a recharge, a refund, a top-up) moves one wallet: on PostgreSQL its UPDATE,
            // the journal and the entries go in one statement, in that order (see OneWalletCtes), with the row it pays for.
            var (written, balance, paidRowId) = await PostOneWalletAsync(wallets[0], kind, reference, description, now, lines, paidRow, alone: false, ct);
            if (balances is not null)
            {
                balances[wallets[0].WalletAccountId] = balance;
            }
            return (written, paidRowId);
        }
        // The wallets are updated before the journal's rows are inserted, not after: on PostgreSQL an entry's foreign key
        // takes a share lock on its account row, and on a wallet another transaction holds for its UPDATE that makes the
        // row's lock a shared, multi-transaction one. Tried for bill submits (inserts first, wallet UPDATE last), a hot
        // wallet's submits cost PostgreSQL 3.5 ms of CPU each instead of 1.6 (bench/README.md). Updated first, the row is
        // already this transaction's when its entry is inserted.
        await UpdateWalletsAsync(wallets, balances, ct);
        if (db.IsPostgres)
        {
            return (await InsertJournalAsync(kind, reference, description, now, lines, ct), null);
        }
        var journal = new LedgerJournal
        {
            Kind = kind,
            Reference = reference,
            Description = description,
            CreatedAt = now,
            Entries = lines.Select(p => new LedgerEntry { AccountId = p.AccountId, Amount = p.Amount, CreatedAt = now }).ToList(),
        };
        db.LedgerJournals.Add(journal);
        return (journal, null);
    }

    /// <summary>
    /// On PostgreSQL the journal and its entries are written at once, in one statement, instead of at the caller's save (a
    /// round trip for the journal's id, then one INSERT per entry): still in the caller's transaction, so they commit or
    /// roll back with the state they pay for.
    /// </summary>
    private async Task<LedgerJournal> InsertJournalAsync(
        JournalKind kind, string reference, string? description, DateTime now, List<Posting> lines, CancellationToken ct) =>
        (await WriteJournalAsync(JournalInsertSql, null, null, kind, reference, description, now, lines, alone: false, ct))!.Value.Journal;

    /// <summary>
    /// One wallet's conditional UPDATE, the journal and its entries in one statement (one round trip instead of two): the
    /// journal, the wallet's new balance and the id of the <paramref name="paidRow"/> it inserted, if one was given. Nothing is
    /// written when the wallet cannot pay (<see cref="InsufficientFundsException"/>).
    /// </summary>
    private async Task<(LedgerJournal Journal, decimal Balance, long? PaidRowId)> PostOneWalletAsync(WalletPosting wallet,
        JournalKind kind, string reference, string? description, DateTime now, List<Posting> lines, PaidRow? paidRow, bool alone, CancellationToken ct) =>
        await WriteJournalAsync(paidRow?.Statement.Sql ?? PostOneWalletSql, wallet, paidRow, kind, reference, description, now, lines, alone, ct) is { } written
            ? (written.Journal, written.Balance!.Value, written.PaidRowId)
            : throw new InsufficientFundsException(wallet.WalletAccountId);

    /// <summary>
    /// Runs a statement that writes a journal and its entries (<see cref="JournalInsertSql"/>, or <see cref="PostOneWalletSql"/>
    /// with the <paramref name="wallet"/> it updates, and the <paramref name="paidRow"/> it inserts) and answers its one row:
    /// the journal, tracked as saved (without its entries) so that the caller's rows can refer to it, the wallet's new
    /// balance if there is one, and the paid row's id; null when the statement wrote nothing. A second journal of one
    /// (kind, reference) is reported as the caller's save would have reported it, a <see cref="DbUpdateException"/>, which
    /// is what the callers that expect it catch. On the caller's transaction, or (<paramref name="alone"/>) as a transaction
    /// of its own.
    /// </summary>
    private async Task<(LedgerJournal Journal, decimal? Balance, long? PaidRowId)?> WriteJournalAsync(string sql, WalletPosting? wallet,
        PaidRow? paidRow, JournalKind kind, string reference, string? description, DateTime now, List<Posting> lines, bool alone, CancellationToken ct)
    {
        (string, object?)[] journal =
        [
            ("at", now), ("kind", kind.ToString()), ("reference", reference), ("description", description),
            ("accounts", lines.Select(p => p.AccountId).ToArray()), ("amounts", lines.Select(p => p.Amount).ToArray()),
        ];
        if (wallet is not null)
        {
            journal = [.. journal, ("wallet", wallet.WalletAccountId), ("delta", wallet.Amount), .. paidRow?.Values ?? []];
        }
        await using var command = alone ? db.Database.CreateCommandAlone(sql, journal) : db.Database.CreateCommand(sql, journal);
        long id;
        decimal? balance;
        long? paidRowId = null;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            (balance, id) = (reader.IsDBNull(0) ? null : reader.GetDecimal(0), reader.GetInt64(1));
            if (paidRow is not null)
            {
                // Its INSERT selects from the journal and the wallet: it writes its row whenever they write theirs.
                paidRowId = reader.IsDBNull(2)
                    ? throw new InvalidOperationException($"The {kind} posting for {reference} did not insert the row it pays for.")
                    : reader.GetInt64(2);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DbUpdateException($"A {kind} journal for {reference} already exists.", ex);
        }
        var written = new LedgerJournal { Id = id, Kind = kind, Reference = reference, Description = description, CreatedAt = now };
        db.LedgerJournals.Attach(written);
        return (written, balance, paidRowId);
    }

    private const string PostOneWalletSql = OneWalletCtes + """

        SELECT wallet.balance, journal.id FROM wallet, journal
        """;

    /// <summary>The one-wallet statement that also inserts a row the journal pays for (<see cref="PaidRowStatement"/>).</summary>
    internal static string PostOneWalletPayingSql(string insertSelectSql) => OneWalletCtes + $"""
        ,
        paid AS (
            {insertSelectSql.Trim()}
            RETURNING id)
        SELECT wallet.balance, journal.id, (SELECT id FROM paid) FROM wallet, journal
        """;

    // The journal row is selected FROM the wallet's UPDATE, so it (and with it every entry, and a paid row) exists only when
    // the wallet could pay. The UPDATE runs first because the journal reads its result; the entries' and the paid row's
    // foreign-key checks run at the end of the statement, when the wallet row is already this transaction's (the lock
    // order explained in MoveMoneyAsync).
    private const string OneWalletCtes = """
        WITH wallet AS (
            UPDATE ledger_accounts SET balance = balance + @delta
            WHERE id = @wallet AND kind = 'ResellerWallet' AND balance + @delta >= 0
            RETURNING balance),
        journal AS (
            INSERT INTO ledger_journals (created_at, description, kind, reference)
            SELECT @at, @description, @kind, @reference FROM wallet
            RETURNING id),
        entries AS (
            INSERT INTO ledger_entries (account_id, amount, created_at, journal_id)
            SELECT line.account_id, line.amount, @at, journal.id FROM journal, unnest(@accounts, @amounts) AS line(account_id, amount))
        """;

    private const string JournalInsertSql = """
        WITH journal AS (
            INSERT INTO ledger_journals (created_at, description, kind, reference) VALUES (@at, @description, @kind, @reference)
            RETURNING id),
        entries AS (
            INSERT INTO ledger_entries (account_id, amount, created_at, journal_id)
            SELECT line.account_id, line.amount, @at, journal.id FROM journal, unnest(@accounts, @amounts) AS line(account_id, amount))
        SELECT NULL::numeric AS balance, id FROM journal
        """;

    /// <summary>The non-zero postings, checked: at least two, at most two decimal places, summing to zero.</summary>
    private static List<Posting> BalancedLines(IReadOnlyList<Posting> postings)
    {
        var lines = postings.Where(p => p.Amount != 0m).ToList();
        if (lines.Count < 2)
        {
            throw new ArgumentException("A journal needs at least two non-zero postings.", nameof(postings));
        }
        if (lines.Any(p => decimal.Round(p.Amount, 2) != p.Amount))
        {
            throw new ArgumentException("Ledger amounts have at most two decimal places.", nameof(postings));
        }
        if (lines.Sum(p => p.Amount) != 0m)
        {
            throw new ArgumentException("A journal's postings must sum to zero.", nameof(postings));
        }
        return lines;
    }

    private async Task UpdateWalletsAsync(List<WalletPosting> wallets, IDictionary<long, decimal>? balances, CancellationToken ct)
    {
        foreach (var wallet in wallets)
        {
            var balance = await UpdateWalletAsync(wallet.WalletAccountId, wallet.Amount, balances is not null, ct)
                          ?? throw new InsufficientFundsException(wallet.WalletAccountId);
            if (balances is not null)
            {
                balances[wallet.WalletAccountId] = balance;
            }
        }
    }

    private async Task<List<(long WalletAccountId, Action<decimal> Then)>> PrepareListenersAsync(
        List<WalletPosting> wallets, CancellationToken ct)
    {
        var afterUpdate = new List<(long, Action<decimal>)>();
        foreach (var wallet in wallets)
        {
            foreach (var listener in listeners)
            {
                if (await listener.PrepareAsync(db, wallet, ct) is { } then)
                {
                    afterUpdate.Add((wallet.WalletAccountId, then));
                }
            }
        }
        return afterUpdate;
    }

    /// <summary>The wallet's balance after adding <paramref name="delta"/> (0 when not asked for on SQLite), or null when it cannot pay.</summary>
    private async Task<decimal?> UpdateWalletAsync(long accountId, decimal delta, bool needBalance, CancellationToken ct)
    {
        // One atomic conditional UPDATE: the row lock it takes serialises concurrent debits of one wallet,
        // and the WHERE clause is re-checked after the lock is granted, so a wallet can never go below zero.
        if (db.IsPostgres)
        {
            // On PostgreSQL one statement also returns the new balance, and skips EF's query pipeline on the hot path.
            return await ExecuteScalarAsync(WalletUpdateSql, ct, ("delta", delta), ("id", accountId)) is decimal balance ? balance : null;
        }
        // SQLite keeps its decimals as text: only EF's translation adds and compares them exactly.
        var updated = await db.LedgerAccounts
            .Where(a => a.Id == accountId && a.Kind == LedgerAccountKind.ResellerWallet && a.Balance + delta >= 0m)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, a => a.Balance + delta), ct);
        if (updated == 0)
        {
            return null;
        }
        return needBalance ? await db.LedgerAccounts.Where(a => a.Id == accountId).Select(a => a.Balance).SingleAsync(ct) : 0m;
    }

    private const string WalletUpdateSql =
        "UPDATE ledger_accounts SET balance = balance + @delta WHERE id = @id AND kind = 'ResellerWallet' AND balance + @delta >= 0 RETURNING balance";

    /// <summary>One statement on the caller's transaction, outside EF's query pipeline (the hot path's raw SQL).</summary>
    private async Task<object?> ExecuteScalarAsync(string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = db.Database.CreateCommand(sql, parameters);
        return await command.ExecuteScalarAsync(ct);
    }

    /// <summary>Posts the exact reverse of an earlier journal (a refund). (Kind, Reference) uniqueness makes it happen once.</summary>
    public async Task<LedgerJournal> ReverseAsync(
        long originalJournalId, JournalKind kind, string reference, string? description, CancellationToken ct)
    {
        var original = await db.LedgerEntries.Where(e => e.JournalId == originalJournalId)
            .Select(e => new Posting(e.AccountId, -e.Amount))
            .ToListAsync(ct);
        if (original.Count == 0)
        {
            throw new InvalidOperationException($"Journal {originalJournalId} has no entries to reverse.");
        }
        return await PostAsync(kind, reference, description, original, ct);
    }
}
