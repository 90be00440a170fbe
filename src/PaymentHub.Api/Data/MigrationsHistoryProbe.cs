using System.Text.RegularExpressions;
using Serilog.Events;

namespace PaymentHub.Data;

/// <summary>
/// On a fresh database EF's migrator reads the history table before it has created it, and logs the expected failure of that
/// read as an error (dotnet/efcore#37328). This recognises exactly that log event, so that it can be left out of the logs;
/// any other failed command, including any other statement on the history table, is still logged.
/// </summary>
public static partial class MigrationsHistoryProbe
{
    private const string CommandCategory = "Microsoft.EntityFrameworkCore.Database.Command";

    /// <summary><c>RelationalEventId.CommandError</c>.</summary>
    private const int CommandErrorEventId = 20102;

    public static bool IsExpectedFailure(LogEvent logEvent) =>
        logEvent.Level == LogEventLevel.Error
        && logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: CommandCategory }
        && logEvent.Properties.TryGetValue("EventId", out var eventId) && eventId is StructureValue structure
        && structure.Properties.Any(p => p.Name == "Id" && p.Value is ScalarValue { Value: CommandErrorEventId })
        && logEvent.Properties.TryGetValue("commandText", out var text) && text is ScalarValue { Value: string sql }
        && HistoryRead().IsMatch(sql);

    [GeneratedRegex("""\ASELECT\s+"MigrationId",\s*"ProductVersion"\s+FROM\s+"?__ef_migrations_history"?\s+ORDER\s+BY\s+"MigrationId";?\s*\z""")]
    private static partial Regex HistoryRead();
}
