using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Data;

namespace PaymentHub.Tests.Schema;

/// <summary>
/// Every index on the tables each submit and recharge writes is one something reads: each costs an insert on every row
/// and, on the orders, another on every settlement. EF Core's convention gave every foreign key an index of its own
/// (the orders' journal, operator and service keys, which nothing reads by); PaymentHubDbContext.ConfigureConventions
/// turns it off. This fails if it comes back, or if an index is added here without being listed.
/// </summary>
public sealed class HotTableIndexTests
{
    private static readonly string[] Expected =
    [
        "bill_orders: PK_bill_orders (id) unique",
        "bill_orders: IX_bill_orders_order_number (order_number) unique",
        "bill_orders: IX_bill_orders_reseller_id_created_at (reseller_id, created_at)",
        "bill_orders: IX_bill_orders_status_next_attempt_at (status, next_attempt_at)",
        "ledger_entries: PK_ledger_entries (id) unique",
        "ledger_entries: IX_ledger_entries_account_id_created_at_id (account_id, created_at, id)",
        "ledger_entries: IX_ledger_entries_journal_id (journal_id)",
        "ledger_journals: PK_ledger_journals (id) unique",
        "ledger_journals: IX_ledger_journals_reference_kind (reference, kind) unique",
        "recharge_orders: PK_recharge_orders (id) unique",
        "recharge_orders: IX_recharge_orders_order_number (order_number) unique",
        "recharge_orders: IX_recharge_orders_reseller_id_created_at (reseller_id, created_at)",
        "recharge_orders: IX_recharge_orders_status_next_attempt_at (status, next_attempt_at)",
    ];

    [Fact]
    public async Task The_tables_a_submit_and_a_recharge_write_carry_only_the_indexes_something_reads()
    {
        await using var scratch = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "hot_table_indexes");
        await using (var db = scratch.Context())
        {
            await db.Database.MigrateAsync();
        }
        var indexes = await scratch.QueryAsync("""
            SELECT t.relname || ': ' || i.relname || ' (' ||
                   (SELECT string_agg(a.attname, ', ' ORDER BY k.ord)
                      FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = k.attnum) || ')' ||
                   CASE WHEN x.indisunique THEN ' unique' ELSE '' END
              FROM pg_index AS x
              JOIN pg_class AS i ON i.oid = x.indexrelid
              JOIN pg_class AS t ON t.oid = x.indrelid
              JOIN pg_namespace AS n ON n.oid = t.relnamespace
             WHERE n.nspname = 'public' AND t.relname IN ('bill_orders', 'ledger_entries', 'ledger_journals', 'recharge_orders')
            """);
        Assert.Equal(Expected.Order(StringComparer.Ordinal), indexes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_second_journal_of_one_kind_for_one_reference_is_refused()
    {
        await using var scratch = await ScratchDatabase.CreateAsync(DatabaseProvider.Postgres, "journal_reference_unique");
        await using (var db = scratch.Context())
        {
            await db.Database.MigrateAsync();
        }
        const string insert = "INSERT INTO ledger_journals (created_at, description, kind, reference) VALUES (now(), 'x', '{0}', 'RC-1')";
        await scratch.ExecuteAsync(string.Format(CultureInfo.InvariantCulture, insert, "RechargeDebit"));
        await scratch.ExecuteAsync(string.Format(CultureInfo.InvariantCulture, insert, "RechargeRefund"));
        var refused = await Assert.ThrowsAsync<PostgresException>(
            () => scratch.ExecuteAsync(string.Format(CultureInfo.InvariantCulture, insert, "RechargeDebit")));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, refused.SqlState);
        Assert.Equal(["2"], await scratch.QueryAsync("SELECT count(*) FROM ledger_journals WHERE reference = 'RC-1'"));
    }
}
