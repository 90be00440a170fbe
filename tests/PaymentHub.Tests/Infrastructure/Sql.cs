namespace PaymentHub.Tests.Infrastructure;

/// <summary>Statements a test runs on the gateway's database behind its back (to break it, or to tamper with it).</summary>
public static class Sql
{
    public static Task<int> ExecuteAsync(PaymentHubApp app, string sql) => ExecuteAsync(app.ConnectionString, sql);

    public static async Task<int> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
