using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Ledger;

/// <summary>
/// <see cref="LedgerService.PostAsync"/> on both providers: on PostgreSQL the journal and its entries are one statement
/// written at posting time, on SQLite they are saved with the caller's changes; the outcome must be the same.
/// </summary>
public sealed class LedgerServiceTests
{
    public static TheoryData<DatabaseProvider> Providers => new() { DatabaseProvider.Postgres, DatabaseProvider.Sqlite };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_journal_is_written_with_exactly_its_entries_and_moves_the_wallet(DatabaseProvider provider)
    {
        await WithLedgerAsync(provider, async (db, ledger, house, wallet) =>
        {
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                var balancesAfter = new Dictionary<long, decimal>();
                var journal = await ledger.PostAsync(JournalKind.BillOrderDebit, "LS-1", "Bill payment",
                    [new Posting(wallet, -26.00m), new Posting(house[LedgerAccountKind.UpstreamPayable], 25.00m),
                     new Posting(house[LedgerAccountKind.FeeIncome], 1.25m), new Posting(house[LedgerAccountKind.CommissionExpense], -0.25m)],
                    CancellationToken.None, balancesAfter);
                await db.SaveChangesAsync();
                await tx.CommitAsync();
                Assert.True(journal.Id > 0);
                Assert.Equal(new Dictionary<long, decimal> { [wallet] = 74.00m }, balancesAfter);
            }
            db.ChangeTracker.Clear();

            var written = await db.LedgerJournals.AsNoTracking().Include(j => j.Entries).SingleAsync(j => j.Reference == "LS-1");
            Assert.Equal((JournalKind.BillOrderDebit, "Bill payment"), (written.Kind, written.Description));
            Assert.Equal(
                new[] { (wallet, -26.00m), (house[LedgerAccountKind.UpstreamPayable], 25.00m), (house[LedgerAccountKind.FeeIncome], 1.25m),
                        (house[LedgerAccountKind.CommissionExpense], -0.25m) }.OrderBy(e => e.Item1),
                written.Entries.Select(e => (e.AccountId, e.Amount)).OrderBy(e => e.AccountId));
            Assert.All(written.Entries, e => Assert.Equal(written.CreatedAt, e.CreatedAt));
            Assert.Equal(74.00m, await BalanceAsync(db, wallet));
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_second_journal_of_one_kind_and_reference_is_a_DbUpdateException_and_writes_nothing(DatabaseProvider provider)
    {
        await WithLedgerAsync(provider, async (db, ledger, house, wallet) =>
        {
            Posting[] refund = [new Posting(wallet, 10.00m), new Posting(house[LedgerAccountKind.UpstreamPayable], -10.00m)];
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                await ledger.PostAsync(JournalKind.BillOrderRefund, "LS-2", "Refund", refund, CancellationToken.None);
                await db.SaveChangesAsync();
                await tx.CommitAsync();
            }
            db.ChangeTracker.Clear();

            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                var error = await Assert.ThrowsAsync<DbUpdateException>(async () =>
                {
                    await ledger.PostAsync(JournalKind.BillOrderRefund, "LS-2", "Refund again", refund, CancellationToken.None);
                    await db.SaveChangesAsync();
                });
                Assert.True(DbErrors.IsUniqueViolation(error));
                await tx.RollbackAsync();
            }
            db.ChangeTracker.Clear();

            Assert.Equal(1, await db.LedgerJournals.CountAsync(j => j.Reference == "LS-2"));
            Assert.Equal(2, await db.LedgerEntries.CountAsync(e => db.LedgerJournals.Any(j => j.Id == e.JournalId && j.Reference == "LS-2")));
            Assert.Equal(110.00m, await BalanceAsync(db, wallet));
        });
    }

    [Fact]
    public void A_paid_row_names_its_parameters_apart_from_the_ledgers()
    {
        // Its INSERT runs inside the posting's statement, whose own parameters are @at, @kind, @reference, @wallet, @delta...
        var sql = "INSERT INTO bill_orders (order_number, amount, debit_journal_id) SELECT @row_order_number, @amount, journal.id FROM journal";
        Assert.Contains("not @amount.", Assert.Throws<ArgumentException>(() => new PaidRowStatement(sql)).Message);
        var statement = new PaidRowStatement(sql.Replace("@amount", "@row_amount"));
        Assert.Throws<ArgumentException>(() => new PaidRow(statement, ("row_order_number", "B-1"), ("delta", 1.00m)));
        Assert.Equal(2, new PaidRow(statement, ("row_order_number", "B-1"), ("row_amount", 1.00m)).Values.Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_debit_the_wallet_cannot_pay_writes_nothing(DatabaseProvider provider)
    {
        await WithLedgerAsync(provider, async (db, ledger, house, wallet) =>
        {
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                await Assert.ThrowsAsync<InsufficientFundsException>(() => ledger.PostAsync(JournalKind.BillOrderDebit, "LS-3", null,
                    [new Posting(wallet, -100.01m), new Posting(house[LedgerAccountKind.UpstreamPayable], 100.01m)], CancellationToken.None));
                // Nothing was written even inside the transaction: a caller that goes on after the refusal commits no journal.
                await db.SaveChangesAsync();
                Assert.False(await db.LedgerJournals.AnyAsync(j => j.Reference == "LS-3"));
                Assert.Equal(0, await db.LedgerEntries.CountAsync());
                await tx.RollbackAsync();
            }
            Assert.False(await db.LedgerJournals.AnyAsync(j => j.Reference == "LS-3"));
            Assert.Equal(100.00m, await BalanceAsync(db, wallet));
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_journal_moving_two_wallets_updates_both_or_neither(DatabaseProvider provider)
    {
        await WithLedgerAsync(provider, async (db, ledger, house, wallet) =>
        {
            var other = new LedgerAccount
            {
                Code = $"wallet:{Guid.NewGuid():N}", Kind = LedgerAccountKind.ResellerWallet, Balance = 5.00m, CreatedAt = DateTime.UtcNow,
            };
            db.LedgerAccounts.Add(other);
            await db.SaveChangesAsync();
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                var balancesAfter = new Dictionary<long, decimal>();
                await ledger.PostAsync(JournalKind.BillOrderDebit, "LS-4", "Transfer",
                    [new Posting(wallet, -30.00m), new Posting(other.Id, 30.00m)], CancellationToken.None, balancesAfter);
                await db.SaveChangesAsync();
                await tx.CommitAsync();
                Assert.Equal(new Dictionary<long, decimal> { [wallet] = 70.00m, [other.Id] = 35.00m }, balancesAfter);
            }
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                // The second wallet cannot pay: the first one's update goes with the transaction the caller rolls back.
                await Assert.ThrowsAsync<InsufficientFundsException>(() => ledger.PostAsync(JournalKind.BillOrderDebit, "LS-5", null,
                    [new Posting(wallet, 36.00m), new Posting(other.Id, -36.00m)], CancellationToken.None));
                await tx.RollbackAsync();
            }
            db.ChangeTracker.Clear();

            var written = await db.LedgerEntries.AsNoTracking().Where(e => db.LedgerJournals.Any(j => j.Id == e.JournalId && j.Reference == "LS-4"))
                .Select(e => new { e.AccountId, e.Amount }).ToListAsync();
            Assert.Equal(new[] { (wallet, -30.00m), (other.Id, 30.00m) }.OrderBy(e => e.Item1), written.Select(e => (e.AccountId, e.Amount)).OrderBy(e => e.Item1));
            Assert.False(await db.LedgerJournals.AnyAsync(j => j.Reference == "LS-5"));
            Assert.Equal((70.00m, 35.00m), (await BalanceAsync(db, wallet), await BalanceAsync(db, other.Id)));
        });
    }

    // A stand-in for the row a debit pays for (an order): an audit line naming the journal that paid for it.
    private static readonly PaidRowStatement AuditRow = new("""
        INSERT INTO audit_log (actor, action, target, details, status_code, at)
        SELECT 'ledger-test', 'paid', @row_target, journal.id::text, 0, now() FROM journal, wallet
        """);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_posting_alone_writes_its_journal_and_row_in_one_statement_or_nothing(DatabaseProvider provider)
    {
        await WithLedgerAsync(provider, async (db, ledger, house, wallet) =>
        {
            var upstream = house[LedgerAccountKind.UpstreamPayable];
            var balancesAfter = new Dictionary<long, decimal>();
            var posted = await ledger.TryPostAloneAsync(JournalKind.BillOrderDebit, "LS-6", "Bill payment",
                [new Posting(wallet, -26.00m), new Posting(upstream, 26.00m)], new PaidRow(AuditRow, ("row_target", "LS-6")),
                CancellationToken.None, balancesAfter);
            if (provider == DatabaseProvider.Sqlite)
            {
                // SQLite's statements cannot carry the row: declined before anything is written, for the caller's transaction.
                Assert.Null(posted);
                Assert.False(await db.LedgerJournals.AnyAsync(j => j.Reference == "LS-6"));
                Assert.Equal(100.00m, await BalanceAsync(db, wallet));
                return;
            }
            var (journal, rowId) = Assert.NotNull(posted);
            Assert.Null(db.Database.CurrentTransaction);
            Assert.Equal(new Dictionary<long, decimal> { [wallet] = 74.00m }, balancesAfter);
            var row = await db.AuditLog.AsNoTracking().SingleAsync(a => a.Target == "LS-6");
            Assert.Equal((rowId, journal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), (row.Id, row.Details));
            Assert.Equal(
                new[] { (wallet, -26.00m), (upstream, 26.00m) }.OrderBy(e => e.Item1),
                (await db.LedgerEntries.AsNoTracking().Where(e => e.JournalId == journal.Id).ToListAsync()).Select(e => (e.AccountId, e.Amount)).OrderBy(e => e.Item1));

            // A debit the wallet cannot pay writes neither the journal nor the row.
            await Assert.ThrowsAsync<InsufficientFundsException>(() => ledger.TryPostAloneAsync(JournalKind.BillOrderDebit, "LS-7", null,
                [new Posting(wallet, -74.01m), new Posting(upstream, 74.01m)], new PaidRow(AuditRow, ("row_target", "LS-7")), CancellationToken.None));
            Assert.False(await db.LedgerJournals.AnyAsync(j => j.Reference == "LS-7"));
            Assert.False(await db.AuditLog.AnyAsync(a => a.Target == "LS-7"));
            Assert.Equal(74.00m, await BalanceAsync(db, wallet));
        });
    }

    [Fact]
    public async Task A_posting_alone_is_declined_for_several_wallets_or_a_listener_with_work_and_refused_inside_a_transaction()
    {
        await WithLedgerAsync(DatabaseProvider.Postgres, async (db, ledger, house, wallet) =>
        {
            var other = new LedgerAccount
            {
                Code = $"wallet:{Guid.NewGuid():N}", Kind = LedgerAccountKind.ResellerWallet, Balance = 5.00m, CreatedAt = DateTime.UtcNow,
            };
            db.LedgerAccounts.Add(other);
            await db.SaveChangesAsync();
            var row = new PaidRow(AuditRow, ("row_target", "LS-8"));
            Posting[] debit = [new Posting(wallet, -10.00m), new Posting(house[LedgerAccountKind.UpstreamPayable], 10.00m)];

            Assert.Null(await ledger.TryPostAloneAsync(JournalKind.BillOrderDebit, "LS-8", null,
                [new Posting(wallet, -10.00m), new Posting(other.Id, 10.00m)], row, CancellationToken.None));
            var listened = new LedgerService(db, house, TimeProvider.System, [new ListenerWithWork()]);
            Assert.Null(await listened.TryPostAloneAsync(JournalKind.BillOrderDebit, "LS-8", null, debit, row, CancellationToken.None));
            await using (await db.Database.BeginTransactionAsync())
            {
                await Assert.ThrowsAsync<InvalidOperationException>(() =>
                    ledger.TryPostAloneAsync(JournalKind.BillOrderDebit, "LS-8", null, debit, row, CancellationToken.None));
            }

            Assert.False(await db.LedgerJournals.AnyAsync(j => j.Reference == "LS-8"));
            Assert.False(await db.AuditLog.AnyAsync(a => a.Target == "LS-8"));
            Assert.Equal((100.00m, 5.00m), (await BalanceAsync(db, wallet), await BalanceAsync(db, other.Id)));
        });
    }

    /// <summary>A listener that has something to add for every movement (as the webhook outbox has for a subscribed reseller).</summary>
    private sealed class ListenerWithWork : IWalletPostingListener
    {
        public Task<Action<decimal>?> PrepareAsync(PaymentHubDbContext db, WalletPosting posting, CancellationToken ct) =>
            Task.FromResult<Action<decimal>?>(_ => { });
    }

    private static Task<decimal> BalanceAsync(PaymentHubDbContext db, long wallet) =>
        db.LedgerAccounts.AsNoTracking().Where(a => a.Id == wallet).Select(a => a.Balance).SingleAsync();

    /// <summary>A fresh migrated database of <paramref name="provider"/> with the house accounts and one wallet holding 100.00.</summary>
    private static async Task WithLedgerAsync(
        DatabaseProvider provider, Func<PaymentHubDbContext, LedgerService, HouseAccounts, long, Task> test)
    {
        var sqlitePath = Path.Combine(Path.GetTempPath(), $"paymenthub-ledger-{Guid.NewGuid():N}.db");
        var connectionString = provider == DatabaseProvider.Postgres
            ? await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("ledger_service")
            : $"Data Source={sqlitePath}";
        try
        {
            await using var db = DatabaseSetup.Create(provider, connectionString);
            if (provider == DatabaseProvider.Sqlite)
            {
                await db.Database.MigrateAsync();
            }
            var house = new HouseAccounts();
            await house.EnsureCreatedAsync(db, TimeProvider.System, CancellationToken.None);
            var wallet = new LedgerAccount
            {
                Code = $"wallet:{Guid.NewGuid():N}", Kind = LedgerAccountKind.ResellerWallet, Balance = 100.00m, CreatedAt = DateTime.UtcNow,
            };
            db.LedgerAccounts.Add(wallet);
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
            await test(db, new LedgerService(db, house, TimeProvider.System, []), house, wallet.Id);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(sqlitePath);
        }
    }
}
