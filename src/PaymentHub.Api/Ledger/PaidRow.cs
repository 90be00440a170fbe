using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;

namespace PaymentHub.Ledger;

/// <summary>
/// The INSERT of a row that a posting pays for (an order), to be run by the posting's own statement. On PostgreSQL a
/// journal that moves one wallet is one statement (the wallet's conditional UPDATE, the journal, its entries); with a
/// paid row it inserts that row too, so the row exists exactly when its money moved, and the placement needs one round
/// trip to the database instead of two (<see cref="LedgerService.PostWithRowAsync"/>).
/// <para>
/// The SQL is an <c>INSERT INTO … (…) SELECT … FROM journal, wallet</c>: it may read <c>journal.id</c> and
/// <c>wallet.balance</c> (the wallet's balance after the posting), and it names its parameters <c>@row_…</c>, apart from
/// the ledger's own. Make one per statement, once (a static field): the composed text is what PostgreSQL prepares.
/// </para>
/// </summary>
public sealed class PaidRowStatement
{
    public const string ParameterPrefix = "row_";

    public PaidRowStatement(string insertSelectSql)
    {
        // Its parameters as the raw statements' own parser reads them (literals, comments and @ operators skipped).
        var foreign = PositionalSql.From(insertSelectSql).Names
            .Where(name => !name.StartsWith(ParameterPrefix, StringComparison.Ordinal)).Select(name => "@" + name).ToList();
        if (foreign.Count > 0)
        {
            throw new ArgumentException(
                $"A paid row's parameters are named @{ParameterPrefix}…, apart from the ledger's; not {string.Join(", ", foreign)}.",
                nameof(insertSelectSql));
        }
        Sql = LedgerService.PostOneWalletPayingSql(insertSelectSql);
    }

    /// <summary>The posting's statement with this row's INSERT in it.</summary>
    internal string Sql { get; }
}

/// <summary>A paid row to insert: its statement and this row's values, named as the statement names them (<c>row_…</c>).</summary>
public sealed record PaidRow
{
    public PaidRow(PaidRowStatement statement, params (string Name, object? Value)[] values)
    {
        if (values.FirstOrDefault(v => !v.Name.StartsWith(PaidRowStatement.ParameterPrefix, StringComparison.Ordinal)) is { Name: { } foreign })
        {
            throw new ArgumentException($"A paid row's values are named {PaidRowStatement.ParameterPrefix}…, not {foreign}.", nameof(values));
        }
        Statement = statement;
        Values = values;
    }

    public PaidRowStatement Statement { get; }
    public IReadOnlyList<(string Name, object? Value)> Values { get; }

    /// <summary>
    /// The row once its debit is posted: its id where the posting inserted it (<paramref name="insertedId"/>, PostgreSQL),
    /// otherwise added to <paramref name="rows"/> for the caller's save (SQLite, a journal of several wallets), with its
    /// debit journal either way.
    /// </summary>
    public static void Placed<T>(DbSet<T> rows, T row, LedgerJournal debit, long? insertedId) where T : class, IPaidByDebit
    {
        row.DebitJournal = debit;
        if (insertedId is { } id)
        {
            row.DebitJournalId = debit.Id;
            row.Id = id;
            return;
        }
        rows.Add(row);
    }
}

/// <summary>A row a debit journal pays for (a bill order, a recharge), placed with <see cref="PaidRow.Placed{T}"/>.</summary>
public interface IPaidByDebit
{
    long Id { get; set; }
    long DebitJournalId { get; set; }
    LedgerJournal? DebitJournal { get; set; }
}
