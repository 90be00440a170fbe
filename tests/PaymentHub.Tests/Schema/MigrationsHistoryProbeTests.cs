using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Schema;

/// <summary>
/// EF reads the migrations history before creating it on a fresh database and logs that expected failure as an error; the
/// gateway leaves that one event out of its logs, and only that one.
/// </summary>
public sealed class MigrationsHistoryProbeTests
{
    [Fact]
    public async Task A_first_start_on_a_fresh_database_logs_no_error_and_other_failed_commands_are_still_logged()
    {
        await using var app = await PaymentHubApp.StartAsync("history_probe", freshDatabase: true);
        var startup = app.ReadLog();
        var logged = app.LogLength;
        Assert.Contains("Database migrated", startup);
        Assert.DoesNotContain("\"Level\":\"Error\"", startup);
        Assert.DoesNotContain("Failed executing DbCommand", startup);

        // A command that fails for another reason, here one on a missing table, is logged as before.
        var failed = await Assert.ThrowsAsync<PostgresException>(() =>
            app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("SELECT \"MigrationId\" FROM no_such_history ORDER BY \"MigrationId\"")));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, failed.SqlState);
        var after = app.ReadLogSince(logged);
        Assert.Contains("Failed executing DbCommand", after);
        Assert.Contains("no_such_history", after);
    }
}
