using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace PaymentHub.Data;

/// <summary>
/// A statement on the context's current transaction, outside EF's query pipeline: for the hot paths' raw SQL that EF
/// cannot cache. EF does not cache the SQL of a FromSql or SqlQuery with parameters: it rebuilds it on every execution,
/// under a lock all callers of the query share.
/// </summary>
public static class RawCommands
{
    /// <summary>A command on the current transaction; a null value is sent as SQL NULL.</summary>
    public static DbCommand CreateCommand(this DatabaseFacade database, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = database.GetDbConnection().CreateCommand();
        command.Transaction = database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A raw statement runs inside the caller's transaction.");
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
}
