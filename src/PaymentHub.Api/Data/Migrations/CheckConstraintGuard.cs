using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace PaymentHub.Data.Migrations;

/// <summary>
/// For a migration that adds CHECK constraints to tables that may already hold rows. Without it the database refuses
/// the constraint (or, on SQLite, the table rebuild) with an error that names no row. With it the migration first
/// looks for rows the new constraints would refuse and, if there are any, stops with an error naming each one
/// (table, key, column, value, constraint), before it has changed anything. It never rewrites a row: what a row
/// should say is the operator's decision.
/// On SQLite, EF adds a CHECK constraint by rebuilding the table in steps that cannot share one transaction (copy into
/// ef_temp_*, then swap with foreign keys off, then indexes). A run killed after the copy leaves the copies behind, and
/// the next run would stop on them; so the migration first drops such leftovers (the originals are still intact then).
/// </summary>
public static class CheckConstraintGuard
{
    private const int ListedRows = 50;

    /// <summary>The dollar-quote tag of PostgreSQL's guard block, by which <see cref="ValidateAfterCommit"/> knows the guard is in place.</summary>
    private const string PostgresGuardTag = "$guard$";

    /// <summary>
    /// Call at the end of <c>Up</c> (or <c>Down</c>): the check is placed ahead of the migration's first change to a check
    /// constraint, a drop or an add. On SQLite a drop already starts a table rebuild, and SQL placed after it would run
    /// while that rebuild is pending (EF warns that the database may not be in the expected state).
    /// </summary>
    public static void StopOnViolatingRows(MigrationBuilder migrationBuilder, IModel? targetModel)
    {
        var checks = migrationBuilder.Operations.OfType<AddCheckConstraintOperation>().ToList();
        if (checks.Count == 0)
        {
            return;
        }
        var postgres = migrationBuilder.IsNpgsql();
        if (!postgres && !migrationBuilder.IsSqlite())
        {
            throw new NotSupportedException($"No check-constraint guard for {migrationBuilder.ActiveProvider}.");
        }

        var violations = string.Join("\nUNION ALL\n", checks.Select(check => ViolationsOf(check, targetModel, postgres)));
        const string heading = "Migration stopped before adding CHECK constraints: ";
        const string advice = " This migration changed nothing. Correct each row by hand (the right value depends on the row's history), then start again.";
        var sql = postgres ? PostgresStop(violations, heading, advice) : SqliteStop(violations, heading, advice);
        var first = migrationBuilder.Operations.FindIndex(operation => operation is AddCheckConstraintOperation or DropCheckConstraintOperation);
        migrationBuilder.Operations.Insert(first, new SqlOperation { Sql = sql });
        if (!postgres)
        {
            var leftovers = checks.Select(c => c.Table).Distinct().Select(t => $"DROP TABLE IF EXISTS {Identifier("ef_temp_" + t)};");
            migrationBuilder.Operations.Insert(first, new SqlOperation { Sql = string.Join("\n", leftovers) });
        }
    }

    /// <summary>
    /// On PostgreSQL, call after <see cref="StopOnViolatingRows"/>: each CHECK constraint the migration adds is added
    /// <c>NOT VALID</c> in the migration's transaction and validated after that transaction commits. Why: <c>ADD CONSTRAINT
    /// … CHECK</c> reads every row of its table under the table's ACCESS EXCLUSIVE lock, and the migration's transaction
    /// keeps that lock to its commit, so on a database with millions of orders and journals every request that touches
    /// one of the tables waits until all of them have been read. <c>NOT VALID</c> takes that lock only for the moment it
    /// records the constraint (rows written from then on are checked), and <c>VALIDATE CONSTRAINT</c> reads the rows under
    /// SHARE UPDATE EXCLUSIVE, which lets reads and writes go on. The guard has already stopped on any row the
    /// constraints would refuse, and the constraint refuses new ones, so the validation finds none. A run stopped
    /// between the two leaves the constraints in place but not validated, and the migration not recorded: the next run
    /// adds them again (each add first drops a constraint of its name if there is one) and validates them.
    /// </summary>
    public static void ValidateAfterCommit(MigrationBuilder migrationBuilder)
    {
        if (!migrationBuilder.IsNpgsql())
        {
            return;
        }
        var operations = migrationBuilder.Operations;
        // Called first, this would hide the adds from the guard, and a refused row would stop only the validation, after
        // the commit: fail where the migration is written instead.
        var guarded = operations.Any(o => o is SqlOperation { Sql: var sql } && sql.Contains(PostgresGuardTag, StringComparison.Ordinal));
        if (!guarded && operations.Any(o => o is AddCheckConstraintOperation))
        {
            throw new InvalidOperationException("Call CheckConstraintGuard.StopOnViolatingRows before ValidateAfterCommit.");
        }
        var validations = new List<SqlOperation>();
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not AddCheckConstraintOperation check)
            {
                continue;
            }
            var table = check.Schema is null ? Identifier(check.Table) : $"{Identifier(check.Schema)}.{Identifier(check.Table)}";
            var name = Identifier(check.Name);
            operations[i] = new SqlOperation
            {
                Sql = $"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}, ADD CONSTRAINT {name} CHECK ({check.Sql}) NOT VALID;",
            };
            validations.Add(new SqlOperation { Sql = $"ALTER TABLE {table} VALIDATE CONSTRAINT {name};", SuppressTransaction = true });
        }
        operations.AddRange(validations);
    }

    /// <summary>One line per row that the constraint would refuse; NULL passes a CHECK, as it does here.</summary>
    private static string ViolationsOf(AddCheckConstraintOperation check, IModel? targetModel, bool postgres)
    {
        var key = targetModel?.GetEntityTypes()
            .FirstOrDefault(e => e.GetTableName() == check.Table && e.GetSchema() == check.Schema)?
            .FindPrimaryKey()?.Properties ?? [];
        var keyColumns = key.Select(p => p.GetColumnName()).ToList();
        var describe = new StringBuilder(Literal(check.Table));
        if (key.Count > 0)
        {
            describe.Append(" || ' (' || ")
                .AppendJoin(" || ', ' || ", key.Select(p => $"{Literal(p.GetColumnName() + "=")} || {KeyValue(p, postgres)}"))
                .Append(" || ')'");
        }
        var column = SingleColumnOf(check, keyColumns);
        if (column is not null)
        {
            describe.Append($" || ': ' || {Literal(column + " = ")} || {Quote(Identifier(column), postgres)}");
        }
        describe.Append($" || {Literal(" violates " + check.Name)}");
        return $"SELECT {describe} AS line FROM {Identifier(check.Table)} WHERE NOT ({check.Sql})";
    }

    /// <summary>
    /// The column an enum constraint (<c>col IN (...)</c>, or <c>col = ANY ('{...}'::text[])</c> on PostgreSQL) is about,
    /// to show its value; null for any other form.
    /// </summary>
    private static string? SingleColumnOf(AddCheckConstraintOperation check, IReadOnlyCollection<string> keyColumns)
    {
        var head = check.Sql.TrimStart();
        var end = head.IndexOf(" IN (", StringComparison.OrdinalIgnoreCase);
        if (end <= 0)
        {
            end = head.IndexOf(" = ANY (", StringComparison.OrdinalIgnoreCase);
        }
        if (end <= 0)
        {
            return null;
        }
        var name = head[..end].Trim().Trim('"');
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !keyColumns.Contains(name) ? name : null;
    }

    private static string PostgresStop(string violations, string heading, string advice) => $"""
        DO {PostgresGuardTag}
        DECLARE
            found bigint;
            listed text;
        BEGIN
            SELECT count(*), string_agg(line, E'\n' ORDER BY n) FILTER (WHERE n <= {ListedRows}) INTO found, listed
            FROM (SELECT line, row_number() OVER (ORDER BY line) AS n FROM (
        {violations}
            ) violations) numbered;
            IF found > 0 THEN
                RAISE EXCEPTION '%', {Literal(heading)} || found || ' row(s) hold a value they would refuse.' || {Literal(advice)}
                    || E'\n' || listed || CASE WHEN found > {ListedRows} THEN E'\n(first {ListedRows} shown)' ELSE '' END
                    USING ERRCODE = 'check_violation';
            END IF;
        END
        {PostgresGuardTag};
        """;

    // SQLite has no procedural block: a temporary trigger raises the message built by the INSERT that fires it
    // (RAISE takes an expression since SQLite 3.47). Inside the migration's transaction, so a stop leaves nothing behind.
    private static string SqliteStop(string violations, string heading, string advice) => $"""
        CREATE TEMP TABLE "ef_check_guard" ("message" TEXT NOT NULL);
        CREATE TEMP TRIGGER "ef_check_guard_stop" BEFORE INSERT ON "ef_check_guard"
        BEGIN SELECT RAISE(ABORT, NEW."message"); END;
        WITH violations(line) AS (
        {violations}
        )
        INSERT INTO "ef_check_guard" ("message")
        SELECT {Literal(heading)} || (SELECT count(*) FROM violations) || ' row(s) hold a value they would refuse.' || {Literal(advice)}
            || char(10) || (SELECT group_concat(line, char(10)) FROM (SELECT line FROM violations ORDER BY line LIMIT {ListedRows}))
            || CASE WHEN (SELECT count(*) FROM violations) > {ListedRows} THEN char(10) || '(first {ListedRows} shown)' ELSE '' END
        WHERE EXISTS (SELECT 1 FROM violations);
        DROP TABLE "ef_check_guard";
        """;

    private static string KeyValue(IReadOnlyProperty key, bool postgres)
    {
        var column = Identifier(key.GetColumnName());
        var type = Nullable.GetUnderlyingType(key.ClrType) ?? key.ClrType;
        var integer = type == typeof(int) || type == typeof(long) || type == typeof(short);
        return integer ? (postgres ? $"{column}::text" : column) : Quote(column, postgres);
    }

    private static string Quote(string expression, bool postgres) =>
        postgres ? $"quote_nullable({expression}::text)" : $"quote({expression})";

    private static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
