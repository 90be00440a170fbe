using System.Data.Common;
using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Data;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Schema;

/// <summary>An empty database of either provider (a database on the test PostgreSQL server, or a SQLite file), with raw-SQL helpers.</summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    /// <summary>The last of the four hand-written migrations: what a database created before dotnet-ef was used here has applied.</summary>
    public const string BaselineMigration = "20261123000000_IakProducts";

    private readonly DirectoryInfo? _directory;

    private ScratchDatabase(DatabaseProvider provider, string connectionString, DirectoryInfo? directory)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _directory = directory;
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }

    public static async Task<ScratchDatabase> CreateAsync(DatabaseProvider provider, string name)
    {
        if (provider == DatabaseProvider.Postgres)
        {
            var server = await PostgresServer.GetAsync();
            return new ScratchDatabase(provider, await server.CreateDatabaseAsync(name), null);
        }
        var directory = Directory.CreateTempSubdirectory($"paymenthub-{name}");
        return new ScratchDatabase(provider, $"Data Source={Path.Combine(directory.FullName, "paymenthub.db")}", directory);
    }

    public PaymentHubDbContext Context() => DatabaseSetup.Create(Provider, ConnectionString);

    public DbConnection Connection() => Provider == DatabaseProvider.Postgres
        ? new NpgsqlConnection(ConnectionString)
        : new SqliteConnection(ConnectionString);

    public async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = Connection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of every row, as text.</summary>
    public async Task<List<string>> QueryAsync(string sql)
    {
        await using var connection = Connection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(Text(reader.GetValue(0)));
        }
        return rows;
    }

    /// <summary>The id of the migration just before the one whose name ends in <paramref name="suffix"/> (such as "_NamedStages").</summary>
    public static string MigrationBefore(DbContext db, string suffix)
    {
        var migrations = db.Database.GetMigrations().ToList();
        return migrations[migrations.FindIndex(m => m.EndsWith(suffix, StringComparison.Ordinal)) - 1];
    }

    public async Task<List<string>> AppliedMigrationsAsync() =>
        await QueryAsync($"SELECT \"MigrationId\" FROM \"{DatabaseSetup.MigrationsHistoryTable}\" ORDER BY \"MigrationId\"");

    /// <summary>
    /// Every row of every table of the model that the database has (one migrated to an older version lacks the newer
    /// tables), each as one line of column=value pairs, sorted.
    /// </summary>
    public async Task<List<string>> DumpAsync()
    {
        List<string> tables;
        await using (var db = Context())
        {
            tables = db.Model.GetRelationalModel().Tables.Select(t => t.Name).ToList();
        }
        var existing = (await QueryAsync(Provider == DatabaseProvider.Postgres
            ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            : "SELECT name FROM sqlite_master WHERE type = 'table'")).ToHashSet(StringComparer.Ordinal);
        tables = tables.Where(existing.Contains).ToList();
        await using var connection = Connection();
        await connection.OpenAsync();
        var lines = new List<string>();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var columns = Enumerable.Range(0, reader.FieldCount)
                    .Select(i => $"{reader.GetName(i)}={Text(reader.GetValue(i))}")
                    .Order(StringComparer.Ordinal);
                lines.Add($"{table}: {string.Join(", ", columns)}");
            }
        }
        return lines.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The gateway itself (real HTTP pipeline) on this database; it migrates the database as it starts.</summary>
    public WebApplicationFactory<Program> StartGateway(string adminKey) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Database:Provider", Provider.ToString());
            builder.UseSetting("ConnectionStrings:PaymentHub", ConnectionString);
            builder.UseSetting("Admin:BootstrapKey", adminKey);
            builder.UseSetting("Demo:Seed", "false");
            builder.UseSetting("Logging:Console:MinimumLevel", "Warning");
        });

    public ValueTask DisposeAsync()
    {
        if (Provider == DatabaseProvider.Postgres)
        {
            using var connection = new NpgsqlConnection(ConnectionString);
            NpgsqlConnection.ClearPool(connection);
        }
        else
        {
            SqliteConnection.ClearAllPools();
            _directory?.Delete(recursive: true);
        }
        return ValueTask.CompletedTask;
    }

    private static string Text(object value) => value switch
    {
        DBNull => "NULL",
        byte[] bytes => Convert.ToHexString(bytes),
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
