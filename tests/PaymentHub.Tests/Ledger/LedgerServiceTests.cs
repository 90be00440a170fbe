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
