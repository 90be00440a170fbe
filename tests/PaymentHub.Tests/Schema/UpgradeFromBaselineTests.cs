using System.Data.Common;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using PaymentHub.Data;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Tests.Schema;

/// <summary>
/// A database created before dotnet-ef was used here has applied only the four hand-written migrations. Starting the
/// current gateway on it applies the rest (on SQLite that rebuilds tables) and keeps every row.
/// </summary>
public sealed class UpgradeFromBaselineTests
{
    private const string AdminKey = "upgrade-admin-key-0123456789abcdef";

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task A_database_at_the_baseline_is_upgraded_by_the_gateway_and_keeps_its_data(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "upgrade");
        var seeded = await MigrateToBaselineAndSeedAsync(database);
        Assert.Equal(ScratchDatabase.BaselineMigration, (await database.AppliedMigrationsAsync())[^1]);
        Assert.Empty(await EnumCheckConstraintTests.CheckConstraintsAsync(database));
        var before = await database.DumpAsync();

        await using (var gateway = database.StartGateway(AdminKey))
        {
            using var admin = gateway.CreateClient();
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);

            // The gateway migrated at start-up: every migration is applied, and every row that was there is there unchanged.
            await using (var db = database.Context())
            {
                Assert.Equal(db.Database.GetMigrations(), await database.AppliedMigrationsAsync());
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            }
            var after = await database.DumpAsync();
            Assert.Empty(before.Except(after));
            Assert.Contains("CK_resellers_status", (await EnumCheckConstraintTests.CheckConstraintsAsync(database)).Keys.Select(k => k.Name));

            var shop = await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{seeded.ActiveId}");
            Assert.Equal("Upgrade Shop", shop!["name"]!.GetValue<string>());
            Assert.Equal("active", shop["status"]!.GetValue<string>());
            Assert.Equal(250m, shop["balance"]!.GetValue<decimal>());
            var suspended = await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{seeded.SuspendedId}");
            Assert.Equal("suspended", suspended!["status"]!.GetValue<string>());

            // Money still moves on the upgraded tables: a credit is a new journal after the seeded one, and the ledger balances.
            var credit = await admin.PostAsJsonAsync($"/admin/v1/resellers/{seeded.ActiveId}/wallet/credits", new { amount = 50m, note = "after upgrade" });
            Assert.True(credit.IsSuccessStatusCode, await credit.Content.ReadAsStringAsync());
            Assert.Equal(300m, (await admin.GetFromJsonAsync<JsonNode>($"/admin/v1/resellers/{seeded.ActiveId}"))!["balance"]!.GetValue<decimal>());
            var check = await admin.GetFromJsonAsync<JsonNode>("/admin/v1/ledger/check");
            Assert.True(check!["ok"]!.GetValue<bool>(), check.ToJsonString());
            await using (var db = database.Context())
            {
                var journals = await db.LedgerJournals.OrderBy(j => j.Id).Select(j => new { j.Id, j.Kind }).ToListAsync();
                Assert.Equal(2, journals.Count);
                Assert.Equal(seeded.JournalId, journals[0].Id);
                Assert.True(journals[1].Id > seeded.JournalId);
                var newReseller = new Reseller
                {
                    Name = "Newer Shop", Status = ResellerStatus.Active, CreatedAt = DateTime.UtcNow,
                    WalletAccount = new LedgerAccount { Code = "wallet:after-upgrade", Kind = LedgerAccountKind.ResellerWallet, CreatedAt = DateTime.UtcNow },
                };
                db.Resellers.Add(newReseller);
                await db.SaveChangesAsync();
                Assert.True(newReseller.Id > seeded.SuspendedId);
            }
        }

        // The ledger's immutability (a trigger on ledger_entries, made by the baseline) survived the upgrade.
        var immutable = await Assert.ThrowsAnyAsync<DbException>(() => database.ExecuteAsync("UPDATE ledger_entries SET amount = 0"));
        Assert.Contains("ledger entries are immutable", immutable.Message);
        AssertCheckRefused(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync($"UPDATE resellers SET status = '7' WHERE id = {seeded.ActiveId}")), "CK_resellers_status");
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Rows_with_unknown_enum_values_stop_the_upgrade_by_name_and_nothing_changes(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "upgrade_bad");
        var seeded = await MigrateToBaselineAndSeedAsync(database);
        // Values the old schema let through: a number for a status, and a commission type in the wrong case.
        await database.ExecuteAsync($"UPDATE resellers SET status = '7' WHERE id = {seeded.SuspendedId}");
        await database.ExecuteAsync("UPDATE mobile_operators SET prepaid_commission_type = 'percent' WHERE code = 'TT'");
        var before = await database.DumpAsync();

        await using (var db = database.Context())
        {
            var stopped = await Assert.ThrowsAnyAsync<DbException>(() => db.Database.MigrateAsync());
            var message = stopped is PostgresException pg ? pg.MessageText : stopped.Message;
            Assert.Contains("Migration stopped before adding CHECK constraints: 2 row(s) hold a value they would refuse.", message);
            Assert.Contains("This migration changed nothing.", message);
            Assert.Contains($"resellers (id={seeded.SuspendedId}): status = '7' violates CK_resellers_status", message);
            Assert.Contains("mobile_operators (code='TT'): prepaid_commission_type = 'percent' violates CK_mobile_operators_prepaid_commission_type", message);
            Assert.DoesNotContain($"id={seeded.ActiveId})", message);
        }

        // Nothing changed: still at the baseline, every row as it was, no constraint, no half-built table.
        Assert.Equal(ScratchDatabase.BaselineMigration, (await database.AppliedMigrationsAsync())[^1]);
        Assert.Equal(before, await database.DumpAsync());
        Assert.Empty(await EnumCheckConstraintTests.CheckConstraintsAsync(database));
        if (provider == DatabaseProvider.Sqlite)
        {
            Assert.Empty(await database.QueryAsync("SELECT name FROM sqlite_master WHERE name LIKE 'ef_temp_%'"));
        }

        // Once the operator has corrected the rows, the same upgrade goes through.
        await database.ExecuteAsync($"UPDATE resellers SET status = 'Suspended' WHERE id = {seeded.SuspendedId}");
        await database.ExecuteAsync("UPDATE mobile_operators SET prepaid_commission_type = 'Percent' WHERE code = 'TT'");
        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }
        Assert.Contains("CK_resellers_status", (await EnumCheckConstraintTests.CheckConstraintsAsync(database)).Keys.Select(k => k.Name));
    }

    [Fact]
    public async Task A_sqlite_upgrade_killed_after_copying_the_tables_completes_when_started_again()
    {
        // EF rebuilds SQLite tables in steps that cannot share one transaction; the first step leaves copies named
        // ef_temp_<table> (committed) while the originals are untouched. A run killed right there leaves them behind.
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Sqlite, "upgrade_killed");
        var seeded = await MigrateToBaselineAndSeedAsync(database);
        var before = await database.DumpAsync();
        await database.ExecuteAsync("""
            CREATE TABLE "ef_temp_resellers" AS SELECT * FROM "resellers";
            CREATE TABLE "ef_temp_ledger_accounts" AS SELECT * FROM "ledger_accounts";
            """);

        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }
        Assert.Equal(before, await database.DumpAsync());
        Assert.Empty(await database.QueryAsync("SELECT name FROM sqlite_master WHERE name LIKE 'ef_temp_%'"));
        AssertCheckRefused(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync($"UPDATE resellers SET status = '7' WHERE id = {seeded.ActiveId}")), "CK_resellers_status");
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Going_back_to_the_baseline_keeps_every_row_and_the_upgrade_then_runs_again(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "downgrade");
        await MigrateToBaselineAndSeedAsync(database);
        var before = await database.DumpAsync();

        await using (var db = database.Context())
        {
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync();
            await migrator.MigrateAsync(ScratchDatabase.BaselineMigration);
            Assert.Equal(ScratchDatabase.BaselineMigration, (await database.AppliedMigrationsAsync())[^1]);
            Assert.Equal(before, await database.DumpAsync());
            Assert.Empty(await EnumCheckConstraintTests.CheckConstraintsAsync(database));

            await migrator.MigrateAsync();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }
        Assert.Empty(before.Except(await database.DumpAsync()));
    }

    [Fact]
    public async Task Sqlite_check_constraint_guards_run_before_any_table_rebuild_up_and_down()
    {
        // The guards sat after a DropCheckConstraint, so they ran while SQLite's rebuild of that table was pending (EF
        // warned on every first start). With that warning made an error: the whole chain up from an empty database, and
        // SandboxFundingGateway (drops and re-adds two constraints, guarded both ways) down and up again.
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Sqlite, "rebuild_order");
        var options = new DbContextOptionsBuilder<PaymentHubDbContext>(DatabaseSetup.BuildOptions(DatabaseProvider.Sqlite, database.ConnectionString))
            .ConfigureWarnings(warnings => warnings.Throw(SqliteEventId.TableRebuildPendingWarning))
            .Options;
        await using var db = new SqlitePaymentHubDbContext(options);
        var migrator = db.GetService<IMigrator>();
        var beforeSandbox = ScratchDatabase.MigrationBefore(db, "_SandboxFundingGateway");

        await migrator.MigrateAsync();
        await migrator.MigrateAsync(beforeSandbox);
        Assert.Equal(beforeSandbox, (await database.AppliedMigrationsAsync())[^1]);
        await migrator.MigrateAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Contains("CK_top_ups_gateway", (await EnumCheckConstraintTests.CheckConstraintsAsync(database)).Keys.Select(k => k.Name));
    }

    private sealed record Seeded(int ActiveId, int SuspendedId, long JournalId);

    /// <summary>Applies only the four baseline migrations, then writes rows as the gateway of that time did.</summary>
    private static async Task<Seeded> MigrateToBaselineAndSeedAsync(ScratchDatabase database)
    {
        await using var db = database.Context();
        await db.GetService<IMigrator>().MigrateAsync(ScratchDatabase.BaselineMigration);
        var house = new HouseAccounts();
        await house.EnsureCreatedAsync(db, TimeProvider.System, CancellationToken.None);
        var now = DateTime.UtcNow;
        var wallet = new LedgerAccount { Code = "wallet:upgrade-active", Kind = LedgerAccountKind.ResellerWallet, Balance = 250m, CreatedAt = now };
        var active = new Reseller { Name = "Upgrade Shop", Status = ResellerStatus.Active, WalletAccount = wallet, CreatedAt = now };
        var suspended = new Reseller
        {
            Name = "Suspended Shop", Status = ResellerStatus.Suspended, CreatedAt = now,
            WalletAccount = new LedgerAccount { Code = "wallet:upgrade-suspended", Kind = LedgerAccountKind.ResellerWallet, CreatedAt = now },
        };
        db.Resellers.AddRange(active, suspended);
        await db.SaveChangesAsync();
        wallet.ResellerId = active.Id;
        suspended.WalletAccount.ResellerId = suspended.Id;
        var journal = new LedgerJournal
        {
            Kind = JournalKind.OperatorCredit,
            Reference = "seed-credit",
            Description = "opening balance",
            CreatedAt = now,
            Entries =
            [
                new LedgerEntry { AccountId = house[LedgerAccountKind.OperatorFunding], Amount = -250m, CreatedAt = now },
                new LedgerEntry { AccountId = wallet.Id, Amount = 250m, CreatedAt = now },
            ],
        };
        db.LedgerJournals.Add(journal);
        await db.SaveChangesAsync();
        return new Seeded(active.Id, suspended.Id, journal.Id);
    }

    private static void AssertCheckRefused(Exception exception, string constraint) =>
        EnumCheckConstraintTests.AssertCheckViolation(exception, constraint);
}
