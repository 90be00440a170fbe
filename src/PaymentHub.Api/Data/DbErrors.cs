using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace PaymentHub.Data;

public static class DbErrors
{
    public static bool IsUniqueViolation(DbUpdateException ex) => IsUniqueViolation((Exception)ex);

    /// <summary>
    /// Also for ExecuteUpdate/ExecuteDelete, which surface the provider's exception itself rather than a DbUpdateException.
    /// </summary>
    public static bool IsUniqueViolation(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        { InnerException: { } inner } => IsUniqueViolation(inner),
        _ => false,
    };
}
