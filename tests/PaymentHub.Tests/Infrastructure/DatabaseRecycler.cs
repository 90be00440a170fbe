using System.Collections.Concurrent;
using Npgsql;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Gives a finished test's database to the next test, emptied back to the migrated template's rows, instead of creating a
/// new one. A new database cost PostgreSQL about as much CPU as a gateway's start costs the test process (measured: the
/// template's copy about 130 ms, then each new connection's catalogue reads and statement planning). A recycled one keeps
/// its warm pooled connections (the pool is the process's, per connection string), so the next gateway starts on backends
/// that have already done that work.
/// <para>
/// Only a database whose schema is still the template's is recycled (a test that renamed a table and did not put it back
/// leaves its database behind), and only when the reset gets its locks within 2 s (nothing still holds the database).
/// </para>
/// </summary>
internal sealed class DatabaseRecycler
{
    // Every user object of the schema, with what a test could change: names, columns, defaults, constraints, indexes,
    // triggers, functions, grants, the database's own settings and the applied migrations (the one table the reset keeps).
    // Row counts and storage (TRUNCATE's new files) are left out.
    private const string SchemaFingerprintSql = """
        SELECT md5(string_agg(item, E'\n' ORDER BY item)) FROM (
            SELECT format('class %s %s %s', c.relname, c.relkind, coalesce(c.relacl::text, '')) AS item
              FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
            UNION ALL
            SELECT format('column %s.%s %s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                          pg_get_expr(d.adbin, d.adrelid))
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT format('constraint %s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT format('index %s', pg_get_indexdef(i.indexrelid))
              FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace
            UNION ALL
            SELECT format('trigger %s %s %s', tgrelid::regclass, tgname, tgenabled) FROM pg_trigger WHERE NOT tgisinternal
            UNION ALL
            SELECT format('function %s %s', p.oid::regprocedure, md5(p.prosrc)) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
            UNION ALL
            SELECT format('namespace %s %s', nspname, coalesce(nspacl::text, '')) FROM pg_namespace
            UNION ALL
            SELECT format('setting %s', s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
             WHERE d.datname = current_database()
            UNION ALL
            SELECT format('database %s %s', datallowconn, datconnlimit) FROM pg_database WHERE datname = current_database()
            UNION ALL
            SELECT format('migration %s', "MigrationId") FROM "__ef_migrations_history"
        ) AS schema(item)
        """;

    private readonly ConcurrentQueue<string> _ready = new();
    private readonly string _fingerprint;
    private readonly string[] _tables; // quoted identifiers, as format('%I') gives them
    private readonly (string Table, byte[] Rows)[] _seedRows;

    private DatabaseRecycler(string fingerprint, string[] tables, (string, byte[])[] seedRows)
    {
        _fingerprint = fingerprint;
        _tables = tables;
        _seedRows = seedRows;
    }

    /// <summary>Reads what a database must hold to count as new: the migrated template's schema and rows.</summary>
    public static async Task<DatabaseRecycler> ReadTemplateAsync(NpgsqlConnection template)
    {
        var fingerprint = (string)(await Scalar(template, SchemaFingerprintSql))!;
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(
                         "SELECT format('%I', tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__ef_migrations_history' ORDER BY 1", template))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var seedRows = new List<(string, byte[])>();
        foreach (var table in tables)
        {
            if ((long)(await Scalar(template, $"SELECT count(*) FROM {table}"))! == 0)
            {
                continue;
            }
            using var rows = new MemoryStream();
            await using (var copy = await template.BeginRawBinaryCopyAsync($"COPY {table} TO STDOUT (FORMAT BINARY)"))
            {
                await copy.CopyToAsync(rows);
            }
            seedRows.Add((table, rows.ToArray()));
        }

        return new DatabaseRecycler(fingerprint, [.. tables], [.. seedRows]);
    }

    /// <summary>A recycled database's connection string, if one is ready.</summary>
    public bool TryTake(out string connectionString) => _ready.TryDequeue(out connectionString!);

    /// <summary>
    /// Empties the database back to the template's rows and queues it for the next test; true if it was recycled. Call it only
    /// once no gateway and no test uses the database any more.
    /// </summary>
    public async Task<bool> TryRecycleAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await Execute(connection, "SET LOCAL lock_timeout = '2s'");
            if ((string?)await Scalar(connection, SchemaFingerprintSql) != _fingerprint)
            {
                return false;
            }
            // RESTART IDENTITY puts every sequence back at its start, where the template's are: its rows were seeded with their
            // own ids (the recycler's tests compare the sequences too, and fail if a migration ever seeds through one).
            await Execute(connection, $"TRUNCATE {string.Join(", ", _tables)} RESTART IDENTITY");
            foreach (var (table, rows) in _seedRows)
            {
                await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT BINARY)");
                await copy.WriteAsync(rows);
            }
            await transaction.CommitAsync();
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.UndefinedTable)
        {
            // Something still holds a table (a connection a test left open), or a test renamed the migrations history away:
            // leave this database alone, as every database was before recycling.
            return false;
        }
        _ready.Enqueue(connectionString);
        return true;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
