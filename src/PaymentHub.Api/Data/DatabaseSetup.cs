using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace PaymentHub.Data;

public static class DatabaseSetup
{
    public const string DefaultSqliteConnection = "Data Source=data/paymenthub.db";

    /// <summary><c>Database:Provider</c> is Sqlite (embedded default) or Postgres (<c>ConnectionStrings:PaymentHub</c>).</summary>
    public static IServiceCollection AddPaymentHubDatabase(this IServiceCollection services)
    {
        // Configuration is read when the first context is built, so that test hosts can override it.
        services.AddDbContext<PaymentHubDbContext>((serviceProvider, options) =>
        {
            var configuration = serviceProvider.GetRequiredService<IConfiguration>();
            var provider = configuration["Database:Provider"] ?? "Sqlite";
            var connectionString = configuration.GetConnectionString("PaymentHub");
            if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
            {
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException("Database:Provider=Postgres needs ConnectionStrings:PaymentHub.");
                }
                options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"));
            }
            else if (provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
            {
                options.UseSqlite(PrepareSqlite(connectionString ?? DefaultSqliteConnection),
                    sqlite => sqlite.MigrationsHistoryTable("__ef_migrations_history"));
            }
            else
            {
                throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite or Postgres.");
            }
        });
        return services;
    }

    private static string PrepareSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:")
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }
        if (builder.DefaultTimeout < 30)
        {
            builder.DefaultTimeout = 30;
        }
        builder.Pooling = true;
        return builder.ToString();
    }
}
