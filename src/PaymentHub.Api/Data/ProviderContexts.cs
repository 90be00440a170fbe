using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace PaymentHub.Data;

/// <summary>PostgreSQL: migrations and model snapshot in Data/Migrations/Postgres.</summary>
public sealed class PostgresPaymentHubDbContext(DbContextOptions options) : PaymentHubDbContext(options);

/// <summary>SQLite: migrations and model snapshot in Data/Migrations/Sqlite.</summary>
public sealed class SqlitePaymentHubDbContext(DbContextOptions options) : PaymentHubDbContext(options);

/// <summary>
/// For dotnet-ef (<c>--context PostgresPaymentHubDbContext</c>). Adding a migration needs no server; commands that do
/// (database update, migrations list) use <c>ConnectionStrings__PaymentHub</c> from the environment.
/// </summary>
public sealed class PostgresPaymentHubDbContextFactory : IDesignTimeDbContextFactory<PostgresPaymentHubDbContext>
{
    public PostgresPaymentHubDbContext CreateDbContext(string[] args) =>
        new(DatabaseSetup.BuildOptions(DatabaseProvider.Postgres,
            Environment.GetEnvironmentVariable("ConnectionStrings__PaymentHub") ?? "Host=localhost;Database=paymenthub"));
}

/// <summary>For dotnet-ef (<c>--context SqlitePaymentHubDbContext</c>); the database is the run command's default unless <c>ConnectionStrings__PaymentHub</c> names another.</summary>
public sealed class SqlitePaymentHubDbContextFactory : IDesignTimeDbContextFactory<SqlitePaymentHubDbContext>
{
    public SqlitePaymentHubDbContext CreateDbContext(string[] args) =>
        new(DatabaseSetup.BuildOptions(DatabaseProvider.Sqlite,
            Environment.GetEnvironmentVariable("ConnectionStrings__PaymentHub") ?? DatabaseSetup.DefaultSqliteConnection));
}
