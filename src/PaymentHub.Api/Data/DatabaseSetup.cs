using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Observability;

namespace PaymentHub.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public static class DatabaseSetup
{
    public const string DefaultSqliteConnection = "Data Source=data/paymenthub.db";
    public const string MigrationsHistoryTable = "__ef_migrations_history";

    private static readonly CommittedWalletMovements WalletMovements = new();

    /// <summary><c>Database:Provider</c> is Sqlite (embedded default) or Postgres (<c>ConnectionStrings:PaymentHub</c>).</summary>
    public static IServiceCollection AddPaymentHubDatabase(this IServiceCollection services)
    {
        // Pooled contexts: a new context set itself up on first use (a scope of EF's internal service provider and the
        // dozen services it resolves there), about 12 % of the gateway's CPU under load in a profile of the submit and
        // recharge paths; a pooled one is reset and reused. Each provider has its pool; only the configured one is used.
        // Configuration is read when the first context is built (so that test hosts can override it), and the options
        // once per pool.
        services.AddDbContextPool<PostgresPaymentHubDbContext>((serviceProvider, options) =>
            ConfigureFrom(serviceProvider.GetRequiredService<IConfiguration>(), DatabaseProvider.Postgres, options));
        services.AddDbContextPool<SqlitePaymentHubDbContext>((serviceProvider, options) =>
            ConfigureFrom(serviceProvider.GetRequiredService<IConfiguration>(), DatabaseProvider.Sqlite, options));
        services.AddSingleton(serviceProvider => new ConfiguredDatabase(ProviderOf(serviceProvider.GetRequiredService<IConfiguration>())));
        // The context type follows the provider: each has its own migrations and model snapshot.
        services.AddScoped<PaymentHubDbContext>(serviceProvider =>
            serviceProvider.GetRequiredService<ConfiguredDatabase>().Provider == DatabaseProvider.Postgres
                ? serviceProvider.GetRequiredService<PostgresPaymentHubDbContext>()
                : serviceProvider.GetRequiredService<SqlitePaymentHubDbContext>());
        return services;
    }

    private sealed record ConfiguredDatabase(DatabaseProvider Provider);

    private static void ConfigureFrom(IConfiguration configuration, DatabaseProvider pool, DbContextOptionsBuilder options)
    {
        var provider = ProviderOf(configuration);
        if (provider != pool)
        {
            throw new InvalidOperationException($"The {pool} context was asked for, but Database:Provider is {provider}.");
        }
        var connectionString = configuration.GetConnectionString("PaymentHub");
        if (provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Database:Provider=Postgres needs ConnectionStrings:PaymentHub.");
        }
        Configure(options, provider, provider == DatabaseProvider.Sqlite ? PrepareSqlite(connectionString ?? DefaultSqliteConnection) : connectionString!);
        options.AddInterceptors(WalletMovements);
    }

    public static DatabaseProvider ProviderOf(IConfiguration configuration)
    {
        var provider = configuration["Database:Provider"] ?? "Sqlite";
        if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase) || provider.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            return DatabaseProvider.Postgres;
        }
        if (provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return DatabaseProvider.Sqlite;
        }
        throw new InvalidOperationException($"Unknown Database:Provider '{provider}'. Use Sqlite or Postgres.");
    }

    /// <summary>A context outside the application's container (tests, design time), configured as the application does.</summary>
    public static PaymentHubDbContext Create(DatabaseProvider provider, string connectionString) =>
        Create(provider, BuildOptions(provider, connectionString));

    public static DbContextOptions<PaymentHubDbContext> BuildOptions(DatabaseProvider provider, string connectionString)
    {
        var builder = new DbContextOptionsBuilder<PaymentHubDbContext>();
        Configure(builder, provider, connectionString);
        return builder.Options;
    }

    private static PaymentHubDbContext Create(DatabaseProvider provider, DbContextOptions options) => provider switch
    {
        DatabaseProvider.Postgres => new PostgresPaymentHubDbContext(options),
        _ => new SqlitePaymentHubDbContext(options),
    };

    private static void Configure(DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString)
    {
        if (provider == DatabaseProvider.Postgres)
        {
            // Named, so that the metrics' pool label is this name and never the connection string.
            options.UseNpgsql(PreparePostgres(connectionString), npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable)
                .ConfigureDataSource(dataSource => dataSource.Name = "paymenthub"))
                .AddInterceptors(RowLocks.Interceptor);
        }
        else
        {
            options.UseSqlite(connectionString, sqlite => sqlite.MigrationsHistoryTable(MigrationsHistoryTable));
        }
    }

    /// <summary>
    /// Automatic preparation on unless the connection string says otherwise: the hot paths send the same few statements
    /// over and over, and a prepared statement skips parsing and planning each time. And no session reset when a
    /// connection goes back to the pool (unless the string asks for it): PaymentHub keeps no session state (no SET, temp
    /// tables, LISTEN or session advisory locks; the idempotency gate's lock is transaction-scoped), so the reset
    /// PostgreSQL would run before every pooled use is pure cost. And a pool of <see cref="DefaultMaxPoolSize"/> unless the
    /// string sets one, instead of Npgsql's 100: a request holds a connection only for its database work (never across an
    /// upstream call, see <see cref="HeldConnection"/>), and a database runs its transactions fastest with a few per core;
    /// more only queue inside PostgreSQL, for the same row locks and the same CPU, where the gateway's own queue for a
    /// connection is cheaper. On the 2-core bench machine, 128 connections submitting bills got 974-1,063 per second with
    /// p99 200-212 ms from a pool of 16, against 580-636 with p99 1.1 s from 100 (bench/README.md). Npgsql's 100 per
    /// instance also meets PostgreSQL's default max_connections (100) with a single instance.
    /// </summary>
    public static string PreparePostgres(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Names(connectionString, "Maximum Pool Size", "MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }
        if (!Names(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }
        if (!Names(connectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ConnectionString;
    }

    private static bool Names(string connectionString, params string[] spellings) =>
        spellings.Any(spelling => connectionString.Contains(spelling, StringComparison.OrdinalIgnoreCase));

    public const int DefaultMaxAutoPrepare = 64;

    public const int DefaultMaxPoolSize = 16;

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
