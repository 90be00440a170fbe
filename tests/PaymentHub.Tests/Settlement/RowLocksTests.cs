using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Data;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Settlement;

/// <summary>
/// <see cref="RowLocks"/>: a LINQ query tagged <c>ForUpdate()</c> locks the rows it returns from its own table on
/// PostgreSQL (not those of a table it joins), and a query the clause cannot be placed in is refused, never sent unlocked.
/// </summary>
public sealed class RowLocksTests(GatewayFixture fixture) : GatewayTest(fixture, "row_locks"), IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task A_tagged_query_locks_its_own_tables_rows_until_the_transaction_ends_and_not_the_joined_ones()
    {
        var shop = await App.CreateResellerAsync(1_000m);
        // A new database routes every operator to the manual connector: the order stays open.
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "100"), ("operator", "GP")]);
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();
        var lockOrder = $"SELECT 1 FROM recharge_orders WHERE order_number = '{orderNumber}' FOR UPDATE NOWAIT";
        var lockReseller = $"SELECT 1 FROM resellers WHERE id = {shop.Id} FOR UPDATE NOWAIT";

        await App.WithDbAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var read = await db.RechargeOrders.ForUpdate().AsNoTracking()
                .Where(o => o.OrderNumber == orderNumber)
                .Join(db.Resellers, o => o.ResellerId, r => r.Id, (o, r) => new { o.OrderNumber, r.Name })
                .SingleAsync();
            Assert.Equal(orderNumber, read.OrderNumber);

            var refused = await Assert.ThrowsAsync<PostgresException>(() => Sql.ExecuteAsync(App, lockOrder));
            Assert.Equal(PostgresErrorCodes.LockNotAvailable, refused.SqlState);
            await Sql.ExecuteAsync(App, lockReseller);

            await tx.RollbackAsync();
            return 0;
        });
        await Sql.ExecuteAsync(App, lockOrder);
    }

    [Fact]
    public async Task An_untagged_query_locks_nothing()
    {
        var shop = await App.CreateResellerAsync(1_000m);
        await App.WithDbAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            Assert.True(await db.Resellers.AsNoTracking().AnyAsync(r => r.Id == shop.Id));
            await Sql.ExecuteAsync(App, $"SELECT 1 FROM resellers WHERE id = {shop.Id} FOR UPDATE NOWAIT");
            await tx.RollbackAsync();
            return 0;
        });
    }

    [Theory]
    [InlineData("-- FOR UPDATE OF bill_orders\n\nSELECT b.id FROM bill_orders AS b WHERE b.order_number = @p LIMIT 2",
        "-- FOR UPDATE OF bill_orders\n\nSELECT b.id FROM bill_orders AS b WHERE b.order_number = @p LIMIT 2\nFOR UPDATE OF b")]
    // The table's alias, not a subquery's: a scalar subquery in the select list comes before the FROM it locks.
    [InlineData("-- FOR UPDATE OF recharge_orders\n\nSELECT r.id, (SELECT s.x FROM reward_settings AS s LIMIT 1)\nFROM recharge_orders AS r\n",
        "-- FOR UPDATE OF recharge_orders\n\nSELECT r.id, (SELECT s.x FROM reward_settings AS s LIMIT 1)\nFROM recharge_orders AS r\nFOR UPDATE OF r")]
    // Behind another tag, and a query with tags but not this one, which is left as it is.
    [InlineData("-- other tag\n-- FOR UPDATE OF bill_orders\n\nSELECT b.id FROM bill_orders AS b",
        "-- other tag\n-- FOR UPDATE OF bill_orders\n\nSELECT b.id FROM bill_orders AS b\nFOR UPDATE OF b")]
    [InlineData("-- other tag\n\nSELECT b.id FROM bill_orders AS b -- FOR UPDATE OF bill_orders",
        "-- other tag\n\nSELECT b.id FROM bill_orders AS b -- FOR UPDATE OF bill_orders")]
    public void The_clause_names_the_alias_the_tagged_table_has(string sql, string expected) =>
        Assert.Equal(expected, RowLocks.AddForUpdate(sql));

    [Theory]
    // The table is not read under an alias, is read twice, or the tag does not name a plain table.
    [InlineData("-- FOR UPDATE OF bill_orders\n\nSELECT 1")]
    [InlineData("-- FOR UPDATE OF bill_orders\n\nSELECT b.id FROM bill_orders AS b JOIN bill_orders AS b0 ON b.id = b0.id")]
    [InlineData("-- FOR UPDATE OF bill_orders AS b; DROP TABLE x\n\nSELECT b.id FROM bill_orders AS b")]
    [InlineData("-- FOR UPDATE OF ")]
    [InlineData("-- FOR UPDATE OF bill_orders")]
    public void A_query_the_clause_cannot_be_placed_in_is_refused(string sql) =>
        Assert.Throws<InvalidOperationException>(() => RowLocks.AddForUpdate(sql));
}
