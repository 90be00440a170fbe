using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PaymentHub.Data;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Schema;

/// <summary>
/// The four baseline migrations were written by hand and every later one is generated per provider, so this keeps
/// them honest: the schema the migrations build must be the schema EF would build from the model (tables, columns,
/// types, nullability, keys, indexes, foreign keys, check constraints), on PostgreSQL and on SQLite.
/// </summary>
public sealed class SchemaDriftTests
{
    [Fact]
    public async Task Migrated_postgres_schema_matches_the_model()
    {
        var server = await PostgresServer.GetAsync();
        var migrated = await server.CreateDatabaseAsync("drift_migrated");
        var created = await server.CreateDatabaseAsync("drift_created");
        await using (var db = Postgres(migrated))
        {
            await db.Database.MigrateAsync();
        }
        await using (var db = Postgres(created))
        {
            await db.Database.EnsureCreatedAsync();
        }
        AssertSame(await DescribePostgresAsync(created), await DescribePostgresAsync(migrated));
    }

    [Fact]
    public async Task Migrated_sqlite_schema_matches_the_model()
    {
        var dir = Directory.CreateTempSubdirectory("paymenthub-drift");
        var migrated = $"Data Source={Path.Combine(dir.FullName, "migrated.db")};Pooling=false";
        var created = $"Data Source={Path.Combine(dir.FullName, "created.db")};Pooling=false";
        await using (var db = Sqlite(migrated))
        {
            await db.Database.MigrateAsync();
        }
        await using (var db = Sqlite(created))
        {
            await db.Database.EnsureCreatedAsync();
        }
        AssertSame(await DescribeSqliteAsync(created), await DescribeSqliteAsync(migrated));
        dir.Delete(recursive: true);
    }

    private static void AssertSame(IReadOnlyList<string> fromModel, IReadOnlyList<string> fromMigrations)
    {
        var missing = fromModel.Except(fromMigrations).ToList();
        var extra = fromMigrations.Except(fromModel).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            "Schema drift between the model and the migrations.\nIn the model but not migrated:\n  " + string.Join("\n  ", missing) +
            "\nMigrated but not in the model:\n  " + string.Join("\n  ", extra));
        Assert.NotEmpty(fromModel);
    }

    private static PaymentHubDbContext Postgres(string connectionString) => DatabaseSetup.Create(DatabaseProvider.Postgres, connectionString);

    private static PaymentHubDbContext Sqlite(string connectionString) => DatabaseSetup.Create(DatabaseProvider.Sqlite, connectionString);

    private static async Task<List<string>> DescribePostgresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var facts = new List<string>();
        facts.AddRange(await QueryAsync(connection, """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                   || coalesce('(' || character_maximum_length || ')', '')
                   || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '')
                   || ' null=' || is_nullable || ' identity=' || is_identity
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> '__ef_migrations_history'
            """));
        facts.AddRange(await QueryAsync(connection, """
            SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename <> '__ef_migrations_history'
            """));
        facts.AddRange(await QueryAsync(connection, """
            SELECT 'fk ' || tc.constraint_name || ' on ' || tc.table_name || ' delete=' || rc.delete_rule
            FROM information_schema.table_constraints tc
            JOIN information_schema.referential_constraints rc ON rc.constraint_name = tc.constraint_name
            WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'
            """));
        facts.AddRange(await QueryAsync(connection, """
            SELECT 'check ' || rel.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = rel.relnamespace
            WHERE con.contype = 'c' AND ns.nspname = 'public'
            """));
        return facts.Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<string>> DescribeSqliteAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var tables = await QueryAsync(connection,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('__ef_migrations_history', '__EFMigrationsLock')");
        var facts = new List<string>();
        foreach (var table in tables)
        {
            facts.AddRange((await QueryAsync(connection,
                    $"SELECT name || ' ' || type || ' notnull=' || \"notnull\" || ' pk=' || pk FROM pragma_table_info('{table}')"))
                .Select(c => $"column {table}.{c}"));
            foreach (var index in await QueryAsync(connection, $"SELECT name || ' unique=' || \"unique\" FROM pragma_index_list('{table}') WHERE origin <> 'pk'"))
            {
                var name = index.Split(' ')[0];
                var columns = await QueryAsync(connection, $"SELECT name FROM pragma_index_info('{name}') ORDER BY seqno");
                facts.Add($"index {table}.{index} ({string.Join(",", columns)})");
            }
            facts.AddRange((await QueryAsync(connection,
                    $"SELECT \"from\" || ' -> ' || \"table\" || '.' || \"to\" || ' delete=' || on_delete FROM pragma_foreign_key_list('{table}')"))
                .Select(f => $"fk {table}.{f}"));
            var createTable = (await QueryAsync(connection, $"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'")).Single();
            facts.AddRange(SqliteCheckConstraints(createTable).Select(c => $"check {table} {c}"));
        }
        return facts.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>SQLite keeps check constraints only in the table's CREATE statement: each <c>CONSTRAINT "name" CHECK (…)</c> in it.</summary>
    internal static List<string> SqliteCheckConstraints(string createTable)
    {
        var found = new List<string>();
        foreach (Match match in Regex.Matches(createTable, "CONSTRAINT\\s+\"([^\"]+)\"\\s+CHECK\\s*\\(", RegexOptions.IgnoreCase))
        {
            var start = match.Index + match.Length;
            var depth = 1;
            var quoted = false;
            var end = start;
            for (; end < createTable.Length && depth > 0; end++)
            {
                var c = createTable[end];
                if (c == '\'')
                {
                    quoted = !quoted;
                }
                else if (!quoted && c == '(')
                {
                    depth++;
                }
                else if (!quoted && c == ')')
                {
                    depth--;
                }
            }
            Assert.True(depth == 0, $"Unbalanced CHECK constraint in: {createTable}");
            found.Add($"{match.Groups[1].Value} CHECK ({createTable[start..(end - 1)]})");
        }
        return found;
    }

    private static async Task<List<string>> QueryAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }
}
