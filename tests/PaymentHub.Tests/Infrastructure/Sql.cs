namespace PaymentHub.Tests.Infrastructure;

/// <summary>Statements a test runs on the gateway's database behind its back (to break it, or to tamper with it).</summary>
public static class Sql
{
    public static async Task<int> ExecuteAsync(PaymentHubApp app, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }
}
