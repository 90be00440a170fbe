using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace PaymentHub.Data;

/// <summary>
/// PostgreSQL's <c>FOR UPDATE</c> on a LINQ query: the rows it returns from one table stay locked until the transaction
/// ends. The settlements lock their order this way before they decide.
/// <para>
/// Why not a FromSql root (<c>FromSql($"SELECT * FROM t WHERE id = {id} FOR UPDATE")</c>), as before: EF does not cache
/// the SQL of a query whose FromSql has parameters. It rebuilt it on every execution, under a lock that every caller of
/// the query shares; in a profile of the recharge step (32 connections) that query was 15 % of the gateway's CPU, with
/// threads spinning on that lock. A plain LINQ query carrying the tag below is cached like any other, and
/// <see cref="Interceptor"/> adds the clause to the command it sends.
/// </para>
/// </summary>
public static partial class RowLocks
{
    private const string TagPrefix = "FOR UPDATE OF ";

    /// <summary>EF writes a query's tags first, each as an SQL comment line.</summary>
    private const string CommentPrefix = "-- " + TagPrefix;

    /// <summary>
    /// Locks the rows of <paramref name="rows"/>' own table that the query returns (not those of a table it joins). On
    /// SQLite the tag is only a comment: its transactions (BEGIN IMMEDIATE) already run one writer at a time.
    /// </summary>
    public static IQueryable<T> ForUpdate<T>(this DbSet<T> rows) where T : class =>
        rows.TagWith(TagPrefix + rows.EntityType.GetTableName());

    /// <summary>
    /// The tag <see cref="ForUpdate{T}"/> adds, for a compiled query, which cannot call that method on its context
    /// parameter: <c>db.Orders.TagWith(RowLocks.Tag&lt;Order&gt;(model))</c>, the model being the one it is compiled for.
    /// </summary>
    public static string Tag<T>(IModel model) where T : class =>
        TagPrefix + (model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.")).GetTableName();

    /// <summary>Added to every PostgreSQL context (<see cref="DatabaseSetup"/>).</summary>
    public static IInterceptor Interceptor { get; } = new ForUpdateInterceptor();

    // A handful of tagged queries, each with one text: their rewritten texts are kept, not recomputed per execution.
    private static readonly ConcurrentDictionary<string, string> Rewritten = new(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="sql"/> with <c>FOR UPDATE OF</c> the alias its tag's table has in the query, or unchanged without the
    /// tag (which may be any of the comment lines EF writes first); throws rather than send the query without the lock
    /// when the table is not read there exactly once, under an alias.
    /// </summary>
    public static string AddForUpdate(string sql) => Rewritten.GetOrAdd(sql, static sql =>
    {
        if (TaggedTable(sql) is not { } table)
        {
            return sql;
        }
        var aliases = (Identifier().IsMatch(table) ? FromTable(table).Matches(sql) : null)?.Select(m => m.Groups["alias"].Value).ToList();
        if (aliases is not [var alias])
        {
            throw new InvalidOperationException(
                $"Cannot lock the rows of '{table}': the query should read it exactly once, as '{table} AS <alias>'.");
        }
        return sql.TrimEnd() + "\nFOR UPDATE OF " + alias;
    });

    private static string? TaggedTable(string sql)
    {
        foreach (var line in sql.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("--", StringComparison.Ordinal))
            {
                return null;
            }
            if (line.StartsWith(CommentPrefix, StringComparison.Ordinal))
            {
                return line[CommentPrefix.Length..].Trim().ToString();
            }
        }
        return null;
    }

    private static Regex FromTable(string table) =>
        new($@"\b(?:FROM|JOIN)\s+""?{table}""?\s+AS\s+(?<alias>""?[A-Za-z_][A-Za-z0-9_]*""?)", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"\A[a-z_][a-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();

    private sealed class ForUpdateInterceptor : DbCommandInterceptor
    {
        public override InterceptionResult<DbDataReader> ReaderExecuting(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Lock(command);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Lock(command);
            return ValueTask.FromResult(result);
        }

        // Only a tagged query (its text begins with EF's comment lines) is looked at further.
        private static void Lock(DbCommand command)
        {
            if (command.CommandText.StartsWith("--", StringComparison.Ordinal))
            {
                command.CommandText = AddForUpdate(command.CommandText);
            }
        }
    }
}
