using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Npgsql;
using PaymentHub.Data;
using PaymentHub.Data.Migrations;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Tests.Schema;

/// <summary>The database itself refuses a value an enum column's type does not have, whoever writes it.</summary>
public sealed class EnumCheckConstraintTests
{
    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Every_enum_column_of_the_migrated_database_accepts_exactly_its_enum_names(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "enum_checks");
        List<(string Table, string Column, string[] Names)> enumColumns;
        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
            enumColumns = db.Model.GetEntityTypes()
                .SelectMany(e => e.GetProperties().Select(p => (Entity: e, Property: p)))
                .Where(x => (Nullable.GetUnderlyingType(x.Property.ClrType) ?? x.Property.ClrType).IsEnum)
                .Select(x => (x.Entity.GetTableName()!, x.Property.GetColumnName(),
                    Enum.GetNames(Nullable.GetUnderlyingType(x.Property.ClrType) ?? x.Property.ClrType)))
                .ToList();
        }
        // The model's enum columns today; a new one must get its constraint from the convention, not from this list.
        Assert.Contains(enumColumns, c => c is { Table: "resellers", Column: "status" });
        Assert.Contains(enumColumns, c => c is { Table: "top_ups", Column: "gateway" });
        Assert.True(enumColumns.Count >= 14, $"{enumColumns.Count} enum columns");

        var constraints = await CheckConstraintsAsync(database);
        foreach (var (table, column, names) in enumColumns)
        {
            var name = $"CK_{table}_{column}";
            Assert.True(constraints.TryGetValue((table, name), out var definition), $"{table}.{column} has no {name}");
            Assert.Contains(column, definition);
            Assert.Equal(names.Order().ToList(), AllowedValues(definition).Order().ToList());
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task An_unknown_enum_value_is_refused_by_the_database_from_raw_sql_and_from_ef(DatabaseProvider provider)
    {
        await using var database = await ScratchDatabase.CreateAsync(provider, "enum_refused");
        int resellerId;
        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
            var wallet = new LedgerAccount { Code = "wallet:enum-test", Kind = LedgerAccountKind.ResellerWallet, CreatedAt = DateTime.UtcNow };
            var reseller = new Reseller { Name = "Check Shop", Status = ResellerStatus.Active, WalletAccount = wallet, CreatedAt = DateTime.UtcNow };
            db.Resellers.Add(reseller);
            await db.SaveChangesAsync();
            resellerId = reseller.Id;
        }

        AssertCheckViolation(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync($"UPDATE resellers SET status = '7' WHERE id = {resellerId}")), "CK_resellers_status");
        AssertCheckViolation(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync($"UPDATE resellers SET status = 'active' WHERE id = {resellerId}")), "CK_resellers_status");
        AssertCheckViolation(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync("UPDATE mobile_operators SET prepaid_commission_type = 'Bogus' WHERE code = 'GP'")),
            "CK_mobile_operators_prepaid_commission_type");
        AssertCheckViolation(await Assert.ThrowsAnyAsync<DbException>(() =>
            database.ExecuteAsync("UPDATE funding_gateways SET gateway = 'PayPal' WHERE gateway = 'ShurjoPay'")),
            "CK_funding_gateways_gateway");

        // What EF writes for a number that is no member of the enum ("7") is refused the same way.
        await using (var db = database.Context())
        {
            var reseller = await db.Resellers.SingleAsync(r => r.Id == resellerId);
            reseller.Status = (ResellerStatus)7;
            var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            AssertCheckViolation(refused.InnerException!, "CK_resellers_status");
        }

        // The enum's own names are still accepted, and nothing refused above was stored.
        Assert.Equal(["Active"], await database.QueryAsync($"SELECT status FROM resellers WHERE id = {resellerId}"));
        Assert.Equal(["Percent"], await database.QueryAsync("SELECT prepaid_commission_type FROM mobile_operators WHERE code = 'GP'"));
        Assert.Equal(1, await database.ExecuteAsync($"UPDATE resellers SET status = 'Suspended' WHERE id = {resellerId}"));
        Assert.Equal(1, await database.ExecuteAsync("UPDATE mobile_operators SET prepaid_commission_type = 'Fixed' WHERE code = 'GP'"));
        await using (var db = database.Context())
        {
            Assert.Equal(ResellerStatus.Suspended, (await db.Resellers.SingleAsync(r => r.Id == resellerId)).Status);
        }
    }

    [Fact]
    public async Task On_postgres_the_names_are_one_array_constant_and_not_an_array_of_constants()
    {
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "enum_check_form");
        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
        }
        var constraints = await CheckConstraintsAsync(database);
        Assert.Equal("CHECK (((kind)::text = ANY ('{ResellerWallet,OperatorFunding,FeeIncome,CommissionExpense,UpstreamPayable,"
            + "RewardExpense,GatewayClearing,GatewayFeeExpense}'::text[])))", constraints[("ledger_accounts", "CK_ledger_accounts_kind")]);
        Assert.DoesNotContain(constraints, c => c.Key.Name.StartsWith("CK_", StringComparison.Ordinal) && c.Value.Contains("ARRAY["));
    }

    [Fact]
    public async Task Compacting_the_constraints_stops_on_a_row_that_a_dropped_constraint_let_through_and_changes_nothing()
    {
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "enum_check_compact_guard");
        await using (var db = database.Context())
        {
            await db.GetService<IMigrator>().MigrateAsync(ScratchDatabase.MigrationBefore(db, "_CompactEnumChecks"));
        }
        // A constraint dropped by hand (say, to load old data) let a value in that the enum does not have.
        await database.ExecuteAsync("ALTER TABLE mobile_operators DROP CONSTRAINT \"CK_mobile_operators_prepaid_commission_type\"");
        await database.ExecuteAsync("UPDATE mobile_operators SET prepaid_commission_type = 'percent' WHERE code = 'GP'");
        var before = await CheckConstraintsAsync(database);

        await using (var db = database.Context())
        {
            var stopped = await Assert.ThrowsAsync<PostgresException>(() => db.Database.MigrateAsync());
            Assert.Contains("Migration stopped before adding CHECK constraints: 1 row(s) hold a value they would refuse.", stopped.MessageText);
            Assert.Contains("mobile_operators (code='GP'): prepaid_commission_type = 'percent' violates CK_mobile_operators_prepaid_commission_type",
                stopped.MessageText);
        }
        Assert.Equal(before, await CheckConstraintsAsync(database));
        Assert.DoesNotContain(await database.AppliedMigrationsAsync(), m => m.EndsWith("_CompactEnumChecks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compacting_the_constraints_adds_them_not_valid_in_its_transaction_and_validates_them_after_it()
    {
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "enum_check_compact_online");
        await using var db = database.Context();
        var migrations = db.GetService<IMigrationsAssembly>();
        var id = migrations.Migrations.Keys.Single(m => m.EndsWith("_CompactEnumChecks", StringComparison.Ordinal));
        var migration = migrations.CreateMigration(migrations.Migrations[id], db.Database.ProviderName!);
        var operations = migration.UpOperations.ToList();

        // No ADD CONSTRAINT … CHECK that reads its table under the migration's lock: each is added NOT VALID inside the
        // transaction, and validated by a statement of its own after every statement of the transaction.
        Assert.DoesNotContain(operations, o => o is AddCheckConstraintOperation);
        var sql = operations.OfType<SqlOperation>().ToList();
        var added = sql.Where(o => o.Sql.Contains(" ADD CONSTRAINT ", StringComparison.Ordinal)).ToList();
        var validated = sql.Where(o => o.Sql.Contains(" VALIDATE CONSTRAINT ", StringComparison.Ordinal)).ToList();
        Assert.Equal(operations.OfType<DropCheckConstraintOperation>().Count(), added.Count);
        Assert.All(added, o => Assert.False(o.SuppressTransaction));
        Assert.All(added, o => Assert.EndsWith(" NOT VALID;", o.Sql, StringComparison.Ordinal));
        // A run stopped after the transaction left these constraints behind; the next run replaces them.
        Assert.All(added, o => Assert.Matches("^ALTER TABLE \"[a-z_]+\" DROP CONSTRAINT IF EXISTS (\"[^\"]+\"), ADD CONSTRAINT \\1 CHECK ", o.Sql));
        Assert.All(validated, o => Assert.True(o.SuppressTransaction));
        Assert.Equal(
            added.Select(o => Regex.Match(o.Sql, "ADD CONSTRAINT (\"[^\"]+\")").Groups[1].Value).Order(),
            validated.Select(o => Regex.Match(o.Sql, "VALIDATE CONSTRAINT (\"[^\"]+\")").Groups[1].Value).Order());
        var firstValidation = operations.IndexOf(validated[0]);
        Assert.All(operations.Take(firstValidation), o => Assert.False(o is SqlOperation { SuppressTransaction: true }));
        Assert.All(operations.Skip(firstValidation), o => Assert.True(o is SqlOperation { SuppressTransaction: true }));
    }

    [Fact]
    public void Validating_after_the_commit_without_the_guard_first_is_refused_where_the_migration_is_written()
    {
        var migrationBuilder = new MigrationBuilder("Npgsql.EntityFrameworkCore.PostgreSQL");
        migrationBuilder.AddCheckConstraint("CK_orders_status", "orders", "status IN ('A', 'B')");

        var refused = Assert.Throws<InvalidOperationException>(() => CheckConstraintGuard.ValidateAfterCommit(migrationBuilder));
        Assert.Contains("StopOnViolatingRows before ValidateAfterCommit", refused.Message);
        Assert.IsType<AddCheckConstraintOperation>(Assert.Single(migrationBuilder.Operations));
    }

    [Fact]
    public async Task Compacting_the_constraints_over_existing_rows_leaves_every_constraint_validated()
    {
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "enum_check_compact_rows");
        await using (var db = database.Context())
        {
            await db.GetService<IMigrator>().MigrateAsync(ScratchDatabase.MigrationBefore(db, "_CompactEnumChecks"));
        }
        // Rows in the tables the migration checks (the seeded operators and house accounts are there already).
        await database.ExecuteAsync("""
            INSERT INTO ledger_journals (created_at, description, kind, reference)
            SELECT now(), 'row ' || g, 'OperatorCredit', 'compact-' || g FROM generate_series(1, 500) AS g
            """);

        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
        }

        Assert.Contains(await database.AppliedMigrationsAsync(), m => m.EndsWith("_CompactEnumChecks", StringComparison.Ordinal));
        Assert.Empty(await database.QueryAsync("SELECT conname FROM pg_constraint WHERE contype = 'c' AND NOT convalidated"));
        var constraints = await CheckConstraintsAsync(database);
        Assert.StartsWith("CHECK (((kind)::text = ANY ('{OperatorCredit,", constraints[("ledger_journals", "CK_ledger_journals_kind")]);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync(
            "INSERT INTO ledger_journals (created_at, description, kind, reference) VALUES (now(), 'x', 'operatorcredit', 'compact-x')"));
        AssertCheckViolation(refused, "CK_ledger_journals_kind");
    }

    [Fact]
    public async Task A_compaction_stopped_after_its_transaction_committed_completes_on_the_next_start()
    {
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "enum_check_compact_rerun");
        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
        }
        // What a run stopped between its transaction and the validations leaves: the new constraints NOT VALID and the
        // migration not recorded as applied.
        await database.ExecuteAsync("""
            ALTER TABLE recharge_orders DROP CONSTRAINT "CK_recharge_orders_status";
            ALTER TABLE recharge_orders ADD CONSTRAINT "CK_recharge_orders_status" CHECK (status = ANY ('{"Processing","Success","Failed"}'::text[])) NOT VALID;
            ALTER TABLE ledger_journals DROP CONSTRAINT "CK_ledger_journals_kind";
            ALTER TABLE ledger_journals ADD CONSTRAINT "CK_ledger_journals_kind" CHECK (kind = ANY ('{"OperatorCredit","OperatorDebit","BillOrderDebit","BillOrderRefund","RechargeDebit","RechargeRefund","Cashback","TopUpCredit"}'::text[])) NOT VALID;
            """);
        var applied = await database.AppliedMigrationsAsync();
        await database.ExecuteAsync($"DELETE FROM \"{DatabaseSetup.MigrationsHistoryTable}\" WHERE \"MigrationId\" = "
            + $"'{applied.Single(m => m.EndsWith("_CompactEnumChecks", StringComparison.Ordinal))}'");
        Assert.Equal(new[] { "CK_ledger_journals_kind", "CK_recharge_orders_status" },
            (await database.QueryAsync("SELECT conname FROM pg_constraint WHERE contype = 'c' AND NOT convalidated")).Order());
        var before = await CheckConstraintsAsync(database);

        await using (var db = database.Context())
        {
            await db.Database.MigrateAsync();
        }

        Assert.Contains(await database.AppliedMigrationsAsync(), m => m.EndsWith("_CompactEnumChecks", StringComparison.Ordinal));
        Assert.Empty(await database.QueryAsync("SELECT conname FROM pg_constraint WHERE contype = 'c' AND NOT convalidated"));
        var after = await CheckConstraintsAsync(database);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(after, c => Assert.Equal(before[c.Key].Replace(" NOT VALID", "", StringComparison.Ordinal), c.Value));
    }

    [Fact]
    public async Task A_starting_instance_waits_for_the_migration_lock_held_by_another_before_it_migrates()
    {
        await using var database = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "enum_check_compact_lock");
        await using (var db = database.Context())
        {
            await db.GetService<IMigrator>().MigrateAsync(ScratchDatabase.MigrationBefore(db, "_CompactEnumChecks"));
        }
        // Another instance migrating: it holds the lock for its whole run, the validations after its commits included.
        await using var otherInstance = new NpgsqlConnection(database.ConnectionString);
        await otherInstance.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({Hosting.StartupTasks.MigrationLockKey})", otherInstance))
        {
            await take.ExecuteNonQueryAsync();
        }

        await using var gateway = database.StartGateway("enum-check-lock-admin-key-0123456789");
        var started = Task.Run(() => gateway.CreateClient());
        // The advisory locks in this database: all of them, or only those a session is waiting for.
        async Task<string> AdvisoryLocksAsync(bool waitingOnly) => (await database.QueryAsync($"""
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' {(waitingOnly ? "AND NOT granted" : "")}
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)).Single();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await AdvisoryLocksAsync(waitingOnly: true) == "0")
        {
            Assert.True(DateTime.UtcNow < deadline, "The starting instance never waited for the migration lock.");
            Assert.False(started.IsCompleted, "The instance started without waiting for the migration lock.");
            await Task.Delay(50);
        }
        Assert.DoesNotContain(await database.AppliedMigrationsAsync(), m => m.EndsWith("_CompactEnumChecks", StringComparison.Ordinal));

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({Hosting.StartupTasks.MigrationLockKey})", otherInstance))
        {
            await release.ExecuteNonQueryAsync();
        }
        using var client = await started.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Contains(await database.AppliedMigrationsAsync(), m => m.EndsWith("_CompactEnumChecks", StringComparison.Ordinal));
        Assert.Empty(await database.QueryAsync("SELECT conname FROM pg_constraint WHERE contype = 'c' AND NOT convalidated"));
        Assert.Equal("0", await AdvisoryLocksAsync(waitingOnly: false));
    }

    /// <summary>
    /// The names a stored definition allows: PostgreSQL's <c>= ANY ('{A,B}'::text[])</c> (an element in double quotes
    /// where the array syntax needs them) or SQLite's <c>IN ('A', 'B')</c>.
    /// </summary>
    private static IEnumerable<string> AllowedValues(string definition)
    {
        if (Regex.Match(definition, @"= ANY \('\{(?<list>(?:[^']|'')*)\}'::text\[\]\)") is { Success: true } array)
        {
            return Regex.Matches(array.Groups["list"].Value.Replace("''", "'"), @"""(?<quoted>(?:[^""\\]|\\.)*)""|(?<bare>[^,""]+)")
                .Select(m => m.Groups["quoted"].Success ? Regex.Replace(m.Groups["quoted"].Value, @"\\(.)", "$1") : m.Groups["bare"].Value);
        }
        return Regex.Matches(definition, "'((?:[^']|'')*)'").Select(m => m.Groups[1].Value.Replace("''", "'"));
    }

    internal static void AssertCheckViolation(Exception exception, string constraint)
    {
        switch (exception)
        {
            case PostgresException pg:
                Assert.Equal(PostgresErrorCodes.CheckViolation, pg.SqlState);
                Assert.Equal(constraint, pg.ConstraintName);
                break;
            case SqliteException sqlite:
                Assert.Equal(19, sqlite.SqliteErrorCode);
                Assert.Equal(275, sqlite.SqliteExtendedErrorCode); // SQLITE_CONSTRAINT_CHECK
                Assert.Contains($"CHECK constraint failed: {constraint}", sqlite.Message);
                break;
            default:
                Assert.Fail($"Not a check violation: {exception}");
                break;
        }
    }

    /// <summary>(table, constraint name) → definition, as the database reports it.</summary>
    internal static async Task<Dictionary<(string Table, string Name), string>> CheckConstraintsAsync(ScratchDatabase database)
    {
        var found = new Dictionary<(string, string), string>();
        if (database.Provider == DatabaseProvider.Postgres)
        {
            foreach (var row in await database.QueryAsync("""
                         SELECT rel.relname || '|' || con.conname || '|' || pg_get_constraintdef(con.oid)
                         FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
                         WHERE con.contype = 'c'
                         """))
            {
                var parts = row.Split('|', 3);
                found[(parts[0], parts[1])] = parts[2];
            }
            return found;
        }
        foreach (var table in await database.QueryAsync("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        {
            var sql = (await database.QueryAsync($"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'")).Single();
            foreach (var check in SchemaDriftTests.SqliteCheckConstraints(sql))
            {
                var name = check[..check.IndexOf(' ')];
                found[(table, name)] = check[(name.Length + 1)..];
            }
        }
        return found;
    }
}
