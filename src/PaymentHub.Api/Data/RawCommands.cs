using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace PaymentHub.Data;

/// <summary>
/// A statement on the context's current transaction, outside EF's query pipeline: for the hot paths' raw SQL that EF
/// cannot cache. EF does not cache the SQL of a FromSql or SqlQuery with parameters: it rebuilds it on every execution,
/// under a lock all callers of the query share.
/// </summary>
public static class RawCommands
{
    /// <summary>
    /// A command on the current transaction; a null value is sent as SQL NULL. The SQL names its parameters (<c>@name</c>),
    /// readable where it is written; on PostgreSQL it is sent with positional ones (<c>$1</c>), worked out once per
    /// statement (<see cref="PositionalSql"/>), because Npgsql parses a statement with named parameters on every
    /// execution to rewrite them: about 4 % of a bill submit's samples in a profile of the submit step, whose one statement
    /// is long.
    /// </summary>
    public static DbCommand CreateCommand(this DatabaseFacade database, string sql, params (string Name, object? Value)[] parameters) =>
        Create(database, sql, database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A raw statement runs inside the caller's transaction."), parameters);

    /// <summary>
    /// A command that is a transaction of its own, as <see cref="CreateCommand"/> otherwise: one statement outside any
    /// transaction, which commits or rolls back whole (<see cref="Ledger.LedgerService.TryPostAloneAsync"/>). The caller
    /// holds the connection open.
    /// </summary>
    public static DbCommand CreateCommandAlone(this DatabaseFacade database, string sql, params (string Name, object? Value)[] parameters) =>
        database.CurrentTransaction is null
            ? Create(database, sql, null, parameters)
            : throw new InvalidOperationException("A statement on its own runs outside any transaction.");

    private static DbCommand Create(DatabaseFacade database, string sql, DbTransaction? transaction, (string Name, object? Value)[] parameters)
    {
        var command = database.GetDbConnection().CreateCommand();
        command.Transaction = transaction;
        if (command is NpgsqlCommand npgsql)
        {
            Bind(npgsql, Positional.GetValue(sql, PositionalSql.From), parameters);
            return command;
        }
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    // Keyed by the string instance: the raw statements are constants or built once into static fields.
    private static readonly ConditionalWeakTable<string, PositionalSql> Positional = new();

    private static void Bind(NpgsqlCommand command, PositionalSql sql, (string Name, object? Value)[] parameters)
    {
        var values = new object?[sql.Names.Count];
        var given = new bool[sql.Names.Count];
        foreach (var (name, value) in parameters)
        {
            var position = sql.PositionOf(name);
            values[position] = value;
            given[position] = true;
        }
        if (Array.IndexOf(given, false) is var missing and >= 0)
        {
            throw new InvalidOperationException($"The statement's parameter @{sql.Names[missing]} has no value.");
        }
        command.CommandText = sql.Text;
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }
}

/// <summary>
/// A statement whose named parameters (<c>@name</c>) are rewritten as PostgreSQL's positional ones (<c>$1</c>, in order of
/// first appearance), skipping string literals, quoted identifiers and comments. Operators that start with <c>@</c>
/// (<c>@&gt;</c>, <c>@@</c>) are not parameters. Dollar-quoted strings are not recognised: raw statements do not use them.
/// </summary>
public sealed class PositionalSql
{
    private readonly Dictionary<string, int> _positions;

    private PositionalSql(string text, List<string> names)
    {
        Text = text;
        Names = names;
        _positions = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
    }

    public string Text { get; }

    /// <summary>The parameters' names, at their positions (the name of <c>$1</c> first).</summary>
    public IReadOnlyList<string> Names { get; }

    public int PositionOf(string name) => _positions.TryGetValue(name, out var position)
        ? position
        : throw new InvalidOperationException($"The statement has no parameter @{name}.");

    public static PositionalSql From(string sql)
    {
        var text = new System.Text.StringBuilder(sql.Length);
        var names = new List<string>();
        for (var i = 0; i < sql.Length;)
        {
            var skipped = SkipQuotedOrComment(sql, i);
            if (skipped > i)
            {
                text.Append(sql, i, skipped - i);
                i = skipped;
                continue;
            }
            if (sql[i] == '@' && i + 1 < sql.Length && IsNameStart(sql[i + 1]) && (i == 0 || !IsNamePart(sql[i - 1]) && sql[i - 1] != '@'))
            {
                var end = i + 1;
                while (end < sql.Length && IsNamePart(sql[end]))
                {
                    end++;
                }
                var name = sql[(i + 1)..end];
                var position = names.IndexOf(name);
                if (position < 0)
                {
                    names.Add(name);
                    position = names.Count - 1;
                }
                text.Append('$').Append(position + 1);
                i = end;
                continue;
            }
            text.Append(sql[i]);
            i++;
        }
        return new PositionalSql(text.ToString(), names);
    }

    /// <summary>The index after the literal, quoted identifier or comment that starts at <paramref name="i"/>; <paramref name="i"/> if none does.</summary>
    private static int SkipQuotedOrComment(string sql, int i) => sql[i] switch
    {
        '\'' or '"' => ClosingQuote(sql, i),
        '-' when i + 1 < sql.Length && sql[i + 1] == '-' => sql.IndexOf('\n', i) is var eol and >= 0 ? eol : sql.Length,
        '/' when i + 1 < sql.Length && sql[i + 1] == '*' => sql.IndexOf("*/", i + 2, StringComparison.Ordinal) is var close and >= 0 ? close + 2 : sql.Length,
        _ => i,
    };

    /// <summary>Past the quote that closes the one at <paramref name="open"/>; a doubled quote inside is part of the text.</summary>
    private static int ClosingQuote(string sql, int open)
    {
        var quote = sql[open];
        for (var i = open + 1; i < sql.Length; i++)
        {
            if (sql[i] != quote)
            {
                continue;
            }
            if (i + 1 < sql.Length && sql[i + 1] == quote)
            {
                i++;
                continue;
            }
            return i + 1;
        }
        return sql.Length;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
