using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using PaymentHub.Data;
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
