using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PaymentHub.Tests.Admin;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Observability;

public sealed class HealthTests
{
    private static async Task<(int Status, JsonNode? Body)> GetAsync(PaymentHubApp app, string path)
    {
        using var client = app.CreateClient();
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.StartsWith('{') ? JsonNode.Parse(text) : null);
    }

    private static string CheckStatus(JsonNode ready, string check) => ready["checks"]![check]!["status"]!.GetValue<string>();

    [Fact]
    public async Task Ready_names_each_check_and_fails_while_a_migration_is_pending()
    {
        await using var app = await PaymentHubApp.StartAsync("health_migrations");
        var (status, ready) = await GetAsync(app, "/health/ready");
        Assert.Equal(200, status);
        Assert.Equal("Healthy", ready!["status"]!.GetValue<string>());
        Assert.Equal(["database", "migrations", "upstream-breakers"], ready["checks"]!.AsObject().Select(c => c.Key).Order());

        // The newest migration "forgotten": the schema is not the one this build expects.
        var latest = await ScalarAsync(app, """SELECT max("MigrationId") FROM "__ef_migrations_history" """);
        await Sql.ExecuteAsync(app, $"""DELETE FROM "__ef_migrations_history" WHERE "MigrationId" = '{latest}'""");

        (status, ready) = await GetAsync(app, "/health/ready");
        Assert.Equal(503, status);
        Assert.Equal("Unhealthy", CheckStatus(ready!, "migrations"));
        Assert.Contains(latest, ready!["checks"]!["migrations"]!["description"]!.GetValue<string>());
        Assert.Equal("Healthy", CheckStatus(ready, "database"));
        Assert.Equal(200, (await GetAsync(app, "/health/live")).Status);
        Assert.Equal(200, (await GetAsync(app, "/health")).Status);

        await Sql.ExecuteAsync(app, $"""INSERT INTO "__ef_migrations_history" ("MigrationId", "ProductVersion") VALUES ('{latest}', '10.0.0')""");
        Assert.Equal(200, (await GetAsync(app, "/health/ready")).Status);
    }

    [Fact]
    public async Task Ready_and_health_fail_while_the_database_refuses_connections_but_live_does_not()
    {
        await using var app = await PaymentHubApp.StartAsync("health_database");
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        var admin = new NpgsqlConnectionStringBuilder(app.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await RunAsync(admin, $"""ALTER DATABASE "{database}" ALLOW_CONNECTIONS false""");
        try
        {
            await RunAsync(admin, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
            NpgsqlConnection.ClearAllPools();

            var (status, ready) = await GetAsync(app, "/health/ready");
            Assert.Equal(503, status);
            Assert.Equal("Unhealthy", CheckStatus(ready!, "database"));
            Assert.Equal("Unhealthy", CheckStatus(ready!, "migrations"));
            Assert.Equal(503, (await GetAsync(app, "/health")).Status);
            Assert.Equal(200, (await GetAsync(app, "/health/live")).Status);
        }
        finally
        {
            await RunAsync(admin, $"""ALTER DATABASE "{database}" ALLOW_CONNECTIONS true""");
        }
        Assert.Equal(200, (await GetAsync(app, "/health/ready")).Status);
    }

    [Fact]
    public async Task Ready_fails_while_an_upstream_circuit_is_open()
    {
        await using var app = await PaymentHubApp.StartAsync("health_breaker", new Dictionary<string, string?>
        {
            ["Connectors:Iak:MaxRetries"] = "0",
            ["Connectors:Iak:BreakerMinimumThroughput"] = "2",
            ["Connectors:Iak:BreakerBreakSeconds"] = "300",
        });
        Assert.Equal(200, (await GetAsync(app, "/health/ready")).Status);

        // Two calls through IAK's own client to a port nobody listens on: both refused, the breaker opens.
        var iak = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient("iak");
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => iak.PostAsync("http://127.0.0.1:9/", new StringContent("{}")));
        }
        await Assert.ThrowsAsync<Polly.CircuitBreaker.BrokenCircuitException>(() => iak.PostAsync("http://127.0.0.1:9/", new StringContent("{}")));

        var (status, ready) = await GetAsync(app, "/health/ready");
        Assert.Equal(503, status);
        Assert.Equal("Unhealthy", CheckStatus(ready!, "upstream-breakers"));
        Assert.Equal("Circuit open: iak.", ready!["checks"]!["upstream-breakers"]!["description"]!.GetValue<string>());
        Assert.Equal(200, (await GetAsync(app, "/health")).Status);
        Assert.Equal(200, (await GetAsync(app, "/health/live")).Status);
    }

    [Fact]
    public async Task The_image_probes_liveness_and_compose_waits_on_readiness_and_both_paths_answer()
    {
        var image = ProbedPaths(File.ReadAllText(Repository.PathOf("Dockerfile")));
        var compose = ProbedPaths(File.ReadAllText(Repository.PathOf("docker-compose.yml")));
        Assert.Equal(["/health/live"], image);
        Assert.Contains("/health/ready", compose);

        await using var app = await PaymentHubApp.StartAsync("health_probes");
        foreach (var path in image.Concat(compose).Distinct())
        {
            Assert.Equal(200, (await GetAsync(app, path)).Status);
        }
    }

    /// <summary>The paths the HEALTHCHECK / healthcheck commands request (their hand-written "GET /path HTTP/1.1" lines).</summary>
    private static List<string> ProbedPaths(string file) =>
        System.Text.RegularExpressions.Regex.Matches(file, @"GET (/\S*) HTTP/1\.1").Select(m => m.Groups[1].Value).ToList();

    private static async Task<string> ScalarAsync(PaymentHubApp app, string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task RunAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
