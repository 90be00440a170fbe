using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using PaymentHub.Bills;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Ledger;
using PaymentHub.Recharge;
using PaymentHub.Resellers;

namespace PaymentHub.Tests.Schema;

/// <summary>
/// Bill and recharge stages were free strings ('sandbox_wait'); the NamedStages migration rewrites existing rows to the
/// enums' names ('SandboxWait') before it adds their CHECK constraints. A value that is none of the old strings stops
/// the upgrade by name and changes nothing.
/// </summary>
public sealed class StageUpgradeTests
{
    private static readonly (string Old, BillStage New, string Status)[] BillRows =
    [
        ("new", BillStage.New, "Processing"), ("sandbox_wait", BillStage.SandboxWait, "Processing"), ("paying", BillStage.Paying, "Processing"),
        ("checking", BillStage.Checking, "Processing"), ("submitting", BillStage.Submitting, "Processing"),
        ("submitted", BillStage.Submitted, "Processing"), ("settling", BillStage.Settling, "Processing"), ("done", BillStage.Done, "Success"),
        // A NULL stage (never written by the code) becomes what the code read it as.
        (null!, BillStage.New, "Processing"), (null!, BillStage.Done, "Cancelled"),
    ];

    private static readonly (string Old, RechargeStage New, string Status, string Connector)[] RechargeRows =
    [
        ("manual", RechargeStage.Manual, "Processing", "manual"), ("sending", RechargeStage.Sending, "Processing", "sandbox"),
        ("unknown", RechargeStage.Unknown, "Processing", "nurr"), ("done", RechargeStage.Done, "Failed", "sandbox"),
        (null!, RechargeStage.Manual, "Processing", "manual"), (null!, RechargeStage.Unknown, "Processing", "sandbox"),
        (null!, RechargeStage.Done, "Success", "sandbox"),
    ];

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Old_stage_strings_become_the_enum_names_and_the_constraints_then_hold(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "stages");
        var before = await MigrateToBeforeNamedStagesAndSeedAsync(database);
        Assert.DoesNotContain(await EnumCheckConstraintTests.CheckConstraintsAsync(database), c => c.Key.Name == "CK_bill_orders_stage");

        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            var bills = await db.BillOrders.OrderBy(o => o.Id).Select(o => new { o.OrderNumber, o.Stage }).ToListAsync();
            Assert.Equal(BillRows.Select((r, i) => ($"B-{i}", r.New)), bills.Select(o => (o.OrderNumber, o.Stage)));
            var recharges = await db.RechargeOrders.OrderBy(o => o.Id).Select(o => new { o.OrderNumber, o.Stage }).ToListAsync();
            Assert.Equal(RechargeRows.Select((r, i) => ($"R-{i}", r.New)), recharges.Select(o => (o.OrderNumber, o.Stage)));
        }
        // As stored: the names, and every other column of every row as it was.
        Assert.Equal(BillRows.Select(r => r.New.ToString()), await database.QueryAsync("SELECT stage FROM bill_orders ORDER BY id"));
        Assert.Equal(Without("stage", before), Without("stage", await database.DumpAsync()));

        var constraints = (await EnumCheckConstraintTests.CheckConstraintsAsync(database)).Keys.Select(k => k.Name).ToList();
        Assert.Contains("CK_bill_orders_stage", constraints);
        Assert.Contains("CK_recharge_orders_stage", constraints);
        EnumCheckConstraintTests.AssertCheckViolation(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync("UPDATE bill_orders SET stage = 'sandbox_wait' WHERE order_number = 'B-1'")), "CK_bill_orders_stage");
        EnumCheckConstraintTests.AssertCheckViolation(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync("UPDATE recharge_orders SET stage = 'unknown' WHERE order_number = 'R-2'")), "CK_recharge_orders_stage");
        await Assert.ThrowsAnyAsync<DbException>(() => database.ExecuteAsync("UPDATE bill_orders SET stage = NULL WHERE order_number = 'B-0'"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Going_back_before_NamedStages_writes_the_old_stage_strings_and_keeps_every_other_column(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "stages_down");
        var before = await MigrateToBeforeNamedStagesAndSeedAsync(database);
        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
            await db.GetService<IMigrator>().MigrateAsync(ScratchDatabase.MigrationBefore(db, "_NamedStages"));
        }

        // A stage that was NULL went up as the name the code read it as, and comes back as that name's old string.
        var oldBill = BillRows.Where(r => r.Old is not null).ToDictionary(r => r.New, r => r.Old);
        var oldRecharge = RechargeRows.Where(r => r.Old is not null).DistinctBy(r => r.New).ToDictionary(r => r.New, r => r.Old);
        Assert.Equal(BillRows.Select(r => oldBill[r.New]), await database.QueryAsync("SELECT stage FROM bill_orders ORDER BY id"));
        Assert.Equal(RechargeRows.Select(r => oldRecharge[r.New]), await database.QueryAsync("SELECT stage FROM recharge_orders ORDER BY id"));
        Assert.Equal(Without("stage", before), Without("stage", await database.DumpAsync()));
        Assert.DoesNotContain(await EnumCheckConstraintTests.CheckConstraintsAsync(database), c => c.Key.Name == "CK_bill_orders_stage");
        await database.ExecuteAsync("UPDATE bill_orders SET stage = NULL WHERE order_number = 'B-0'");
        // The other constraints still hold, also on a pooled connection the migration used (SQLite switched them off for the rename).
        EnumCheckConstraintTests.AssertCheckViolation(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync("UPDATE resellers SET status = '7'")), "CK_resellers_status");
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task A_stage_that_is_no_known_string_stops_the_upgrade_by_name_and_nothing_changes(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "stages_bad");
        await MigrateToBeforeNamedStagesAndSeedAsync(database);
        await database.ExecuteAsync("UPDATE bill_orders SET stage = 'paid_twice' WHERE order_number = 'B-2'");
        var before = await database.DumpAsync();
        var applied = await database.AppliedMigrationsAsync();
        var billId = (await database.QueryAsync("SELECT id FROM bill_orders WHERE order_number = 'B-2'")).Single();

        await using (var db = database.Context())
        {
            var stopped = await Assert.ThrowsAnyAsync<DbException>(() => db.Database.MigrateAsync());
            var message = stopped is PostgresException pg ? pg.MessageText : stopped.Message;
            Assert.Contains("Migration stopped before adding CHECK constraints: 1 row(s) hold a value they would refuse.", message);
            Assert.Contains($"bill_orders (id={billId}): stage = 'paid_twice' violates CK_bill_orders_stage", message);
        }

        // Nothing changed: no stage rewritten, no constraint, no migration recorded.
        Assert.Equal(before, await database.DumpAsync());
        Assert.Equal(applied, await database.AppliedMigrationsAsync());
        Assert.DoesNotContain(await EnumCheckConstraintTests.CheckConstraintsAsync(database), c => c.Key.Name == "CK_bill_orders_stage");
    }

    private static List<string> Without(string column, List<string> dump) =>
        dump.Select(line => string.Join(", ", line.Split(", ").Where(pair => !pair.StartsWith(column + "=", StringComparison.Ordinal)
                                                                             && !pair.Contains(": " + column + "=", StringComparison.Ordinal))))
            .ToList();

    /// <summary>Migrates to the migration before NamedStages and writes orders whose stages are the old strings; returns the dump.</summary>
    private static async Task<List<string>> MigrateToBeforeNamedStagesAndSeedAsync(ScratchDatabase database)
    {
        await using (var db = database.Context())
        {
            await db.GetService<IMigrator>().MigrateAsync(ScratchDatabase.MigrationBefore(db, "_NamedStages"));

            var house = new HouseAccounts();
            await house.EnsureCreatedAsync(db, TimeProvider.System, CancellationToken.None);
            var now = DateTime.UtcNow;
            var reseller = new Reseller
            {
                Name = "Stage Shop", Status = ResellerStatus.Active, CreatedAt = now,
                WalletAccount = new LedgerAccount { Code = "wallet:stages", Kind = LedgerAccountKind.ResellerWallet, CreatedAt = now },
            };
            var provider = new Provider { Name = "DESCO", Status = CatalogStatus.Active, CreatedAt = now, UpdatedAt = now };
            db.AddRange(reseller, provider);
            await db.SaveChangesAsync();
            var service = new BillService
            {
                ProviderId = provider.Id, Name = "DESCO Prepaid", ModuleFields = "meter_number", MinAmount = 10m, MaxAmount = 1000m,
                Connector = "sandbox", Status = CatalogStatus.Active, CreatedAt = now, UpdatedAt = now,
            };
            var journal = new LedgerJournal { Kind = JournalKind.OperatorCredit, Reference = "stages", Description = "seed", CreatedAt = now };
            db.AddRange(service, journal);
            await db.SaveChangesAsync();

            db.BillOrders.AddRange(BillRows.Select((row, i) => new BillOrder
            {
                OrderNumber = $"B-{i}", ResellerId = reseller.Id, ProviderId = provider.Id, ServiceId = service.Id, ProviderName = "DESCO",
                ServiceName = "DESCO Prepaid", ModuleData = "{}", Amount = 100m, TotalAmount = 100m, DebitAmount = 100m,
                Status = Enum.Parse<BillOrderStatus>(row.Status), DebitJournalId = journal.Id, Connector = "sandbox", CreatedAt = now, UpdatedAt = now,
            }));
            db.RechargeOrders.AddRange(RechargeRows.Select((row, i) => new RechargeOrder
            {
                OrderNumber = $"R-{i}", ResellerId = reseller.Id, Phone = "01712345678", OperatorCode = "GP", OperatorName = "Grameenphone",
                AccountType = "prepaid", Amount = 100m, DebitAmount = 100m, Status = Enum.Parse<RechargeStatus>(row.Status),
                DebitJournalId = journal.Id, Connector = row.Connector, CreatedAt = now, UpdatedAt = now,
            }));
            await db.SaveChangesAsync();
        }
        for (var i = 0; i < BillRows.Length; i++)
        {
            await database.ExecuteAsync($"UPDATE bill_orders SET stage = {Literal(BillRows[i].Old)} WHERE order_number = 'B-{i}'");
        }
        for (var i = 0; i < RechargeRows.Length; i++)
        {
            await database.ExecuteAsync($"UPDATE recharge_orders SET stage = {Literal(RechargeRows[i].Old)} WHERE order_number = 'R-{i}'");
        }
        return await database.DumpAsync();
    }

    private static string Literal(string? text) => text is null ? "NULL" : $"'{text}'";
}
