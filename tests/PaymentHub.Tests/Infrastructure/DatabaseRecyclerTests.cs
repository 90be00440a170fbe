using Npgsql;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>A recycled test database is indistinguishable from a new one, and one a test changed is never handed on.</summary>
public sealed class DatabaseRecyclerTests
{
    [Fact]
    public async Task A_used_database_comes_back_with_the_templates_rows_and_sequences()
    {
        var (template, recycler) = await NewRecyclerAsync();
        var used = await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("recycle_used");
        var before = await ContentsAsync(used);
        await using (var app = await PaymentHubApp.StartAsync("unused", sharedDatabase: used))
        {
            var shop = await app.CreateResellerAsync(500m);
            var (providerId, serviceId) = await app.CreateServiceAsync();
            var (status, _) = await shop.BillAsync("submit", ("provider_id", $"{providerId}"), ("service_id", $"{serviceId}"), ("amount", "100"),
                ("meter_number", "12345678"), ("bill_month", "2026-11"), ("contact_number", "01712345678"));
            Assert.Equal(200, status);
            await Sql.ExecuteAsync(app, "UPDATE mobile_operators SET is_active = false");
        }
        Assert.NotEqual(before, await ContentsAsync(used));

        Assert.True(await recycler.TryRecycleAsync(used));

        Assert.Equal(await ContentsAsync(template), await ContentsAsync(used));
        Assert.True(recycler.TryTake(out var next));
        Assert.Equal(used, next);
        Assert.False(recycler.TryTake(out _));
        // And a gateway starts on it as on a new database: the first reseller is number 1 again.
        await using var again = await PaymentHubApp.StartAsync("unused", sharedDatabase: next);
        Assert.Equal(1, (await again.CreateResellerAsync(0m)).Id);
    }

    [Theory]
    [InlineData("ALTER TABLE providers RENAME TO providers_gone")]
    [InlineData("ALTER TABLE resellers ADD COLUMN note text")]
    [InlineData("ALTER TABLE bill_orders DROP CONSTRAINT \"CK_bill_orders_stage\"")]
    [InlineData("CREATE INDEX ix_extra ON resellers (name)")]
    [InlineData("REVOKE ALL ON resellers FROM PUBLIC; GRANT SELECT ON resellers TO PUBLIC")]
    [InlineData("""DELETE FROM "__ef_migrations_history" WHERE "MigrationId" = (SELECT max("MigrationId") FROM "__ef_migrations_history")""")]
    [InlineData("""ALTER TABLE "__ef_migrations_history" RENAME TO history_gone""")]
    public async Task A_database_whose_schema_a_test_changed_is_not_handed_on(string change)
    {
        var (_, recycler) = await NewRecyclerAsync();
        var changed = await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("recycle_changed");
        await Sql.ExecuteAsync(changed, change);

        Assert.False(await recycler.TryRecycleAsync(changed));
        Assert.False(recycler.TryTake(out _));
    }

    [Fact]
    public async Task A_database_someone_still_holds_is_left_alone()
    {
        var (_, recycler) = await NewRecyclerAsync();
        var held = await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("recycle_held");
        await using var holder = new NpgsqlConnection(held);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO app_settings (name, value) VALUES ('held', 'yes')", holder, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        Assert.False(await recycler.TryRecycleAsync(held));
        Assert.False(recycler.TryTake(out _));
        await transaction.CommitAsync();
        Assert.Equal(1L, await Sql.ScalarAsync(held, "SELECT count(*) FROM app_settings WHERE name = 'held'"));
    }

    private static async Task<(string Template, DatabaseRecycler Recycler)> NewRecyclerAsync()
    {
        // A new migrated database is a copy of the run's template: reading it reads the template.
        var template = await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("recycle_template");
        await using var connection = new NpgsqlConnection(template);
        await connection.OpenAsync();
        return (template, await DatabaseRecycler.ReadTemplateAsync(connection));
    }

    /// <summary>Every table's rows and every sequence's position, as text.</summary>
    private static async Task<string> ContentsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var contents = new List<string>();
        foreach (var table in tables)
        {
            await using var rows = new NpgsqlCommand(
                $"SELECT '{table}: ' || coalesce(string_agg(t::text, ' | ' ORDER BY t::text), '') FROM \"{table}\" t", connection);
            contents.Add((string)(await rows.ExecuteScalarAsync())!);
        }
        await using var sequences = new NpgsqlCommand(
            "SELECT string_agg(sequencename || '=' || coalesce(last_value::text, 'unused'), ', ' ORDER BY sequencename) FROM pg_sequences", connection);
        contents.Add((string)(await sequences.ExecuteScalarAsync())!);
        return string.Join('\n', contents);
    }
}
