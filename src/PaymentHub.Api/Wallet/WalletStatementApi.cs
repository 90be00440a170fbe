using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Wallet;

/// <summary>
/// Wallet statements: <c>wallet.php?action=statement</c> for a reseller (JSON, paged, at most 92 days), and CSV exports on
/// the admin API for one reseller or the whole house (streamed row by row).
/// </summary>
public static class WalletStatementApi
{
    public const int DefaultPerPage = 100;
    public const int MaxPerPage = 500;

    public static void MapWalletStatementAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/resellers/{id:int}/wallet/statement.csv", ResellerCsvAsync).WithTags("Wallets")
            .WithDescription("Every entry of the reseller's wallet from `from` to `to` (local dates YYYY-MM-DD, inclusive, at most "
                             + "366 days) with its journal kind, reference, amount and running balance, between an opening_balance "
                             + "and a closing_balance row. Streamed.");
        admin.MapGet("/wallets/statement.csv", HouseCsvAsync).WithTags("Wallets")
            .WithDescription("Every reseller's wallet, day by day: opening balance, credited, debited, closing balance and the "
                             + "number of entries for each wallet and local day with movements. Streamed.");
    }

    /// <summary>The reseller's statement: <c>from</c>, <c>to</c> (YYYY-MM-DD), optional <c>page</c> and <c>per_page</c>.</summary>
    public static async Task<IResult> StatementAsync(
        ResellerForm form, AuthenticatedReseller reseller, WalletStatements statements, CancellationToken ct)
    {
        if (form["from"] is not { } fromText || form["to"] is not { } toText)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.", form["from"] is null ? "from" : "to");
        }
        if (ParseDay(fromText) is not { } from)
        {
            return InvalidDate("from");
        }
        if (ParseDay(toText) is not { } to)
        {
            return InvalidDate("to");
        }
        if (statements.Range(from, to) is not { } range)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid date range: to is before from.", "to");
        }
        if (statements.Days(range) > statements.MaxResellerDays)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = $"A statement covers at most {statements.MaxResellerDays} days.",
                ["field"] = "to",
                ["max_days"] = statements.MaxResellerDays,
            });
        }
        if (ParseCount(form["page"], 1, int.MaxValue / MaxPerPage) is not { } page)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid page.", "page");
        }
        if (ParseCount(form["per_page"], DefaultPerPage, MaxPerPage) is not { } perPage)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, $"Invalid per_page. Send 1 to {MaxPerPage}.", "per_page");
        }

        var statement = await statements.PageAsync(reseller.WalletAccountId, range, page, perPage, ct);
        var entries = new JsonArray(statement.Lines.Select(line => (JsonNode)Entry(statements, line)).ToArray());
        return ResellerResults.Reply(StatusCodes.Status200OK, new JsonObject
        {
            ["success"] = true,
            ["from"] = Day(range.FirstDay),
            ["to"] = Day(range.LastDay),
            ["utc_offset"] = statements.UtcOffsetText,
            ["opening_balance"] = Money.Format(statement.OpeningBalance),
            ["closing_balance"] = Money.Format(statement.ClosingBalance),
            ["page"] = page,
            ["per_page"] = perPage,
            ["total_entries"] = statement.TotalEntries,
            ["total_pages"] = (statement.TotalEntries + perPage - 1) / perPage,
            ["entries"] = entries,
        });
    }

    private static JsonObject Entry(WalletStatements statements, StatementLine line) => new()
    {
        ["entry_id"] = line.EntryId,
        ["created_at"] = LocalTime(statements, line.CreatedAt),
        ["kind"] = PaymentHubDbContext.SnakeCase(line.Kind.ToString()),
        ["reference"] = line.Reference,
        ["description"] = line.Description,
        ["amount"] = Money.Format(line.Amount),
        ["balance"] = Money.Format(line.Balance),
    };

    public static async Task<Results<CsvResult, ProblemHttpResult>> ResellerCsvAsync(
        int id, string? from, string? to, PaymentHubDbContext db, WalletStatements statements, CancellationToken ct)
    {
        if (ExportRange(from, to, statements) is not { } range)
        {
            return RangeProblem(statements);
        }
        var walletId = await db.Resellers.Where(r => r.Id == id).Select(r => (long?)r.WalletAccountId).FirstOrDefaultAsync(ct);
        if (walletId is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Not found", detail: $"No reseller {id}.");
        }
        return new CsvResult($"wallet-{id}-{Day(range.FirstDay)}-{Day(range.LastDay)}.csv", async (writer, token) =>
        {
            await writer.WriteLineAsync(Csv("entry_id", "created_at", "kind", "reference", "description", "amount", "balance"));
            var opening = await statements.BalanceAtAsync(walletId.Value, range.FromUtc, token);
            await writer.WriteLineAsync(Csv("", LocalTime(statements, range.FromUtc), "opening_balance", "", "", "", Money.Format(opening)));
            var balance = opening;
            await foreach (var line in statements.StreamAsync(walletId.Value, range, token))
            {
                balance = line.Balance;
                await writer.WriteLineAsync(Csv(line.EntryId.ToString(CultureInfo.InvariantCulture), LocalTime(statements, line.CreatedAt),
                    PaymentHubDbContext.SnakeCase(line.Kind.ToString()), line.Reference, line.Description ?? "", Money.Format(line.Amount),
                    Money.Format(line.Balance)));
            }
            await writer.WriteLineAsync(Csv("", LocalTime(statements, range.ToUtc), "closing_balance", "", "", "", Money.Format(balance)));
        });
    }

    public static Results<CsvResult, ProblemHttpResult> HouseCsvAsync(string? from, string? to, WalletStatements statements)
    {
        if (ExportRange(from, to, statements) is not { } range)
        {
            return RangeProblem(statements);
        }
        return new CsvResult($"wallets-{Day(range.FirstDay)}-{Day(range.LastDay)}.csv", async (writer, token) =>
        {
            await writer.WriteLineAsync(Csv("day", "reseller_id", "reseller_name", "opening_balance", "credited", "debited", "closing_balance", "entries"));
            await foreach (var row in statements.HouseDailyAsync(range, token))
            {
                await writer.WriteLineAsync(Csv(Day(row.Day), row.ResellerId.ToString(CultureInfo.InvariantCulture), row.ResellerName,
                    Money.Format(row.OpeningBalance), Money.Format(row.Credited), Money.Format(row.Debited), Money.Format(row.ClosingBalance),
                    row.Entries.ToString(CultureInfo.InvariantCulture)));
            }
        });
    }

    private static StatementRange? ExportRange(string? from, string? to, WalletStatements statements) =>
        ParseDay(from) is { } first && ParseDay(to) is { } last && statements.Range(first, last) is { } range
        && statements.Days(range) <= statements.MaxExportDays
            ? range
            : null;

    private static ProblemHttpResult RangeProblem(WalletStatements statements) => TypedResults.Problem(statusCode: 400,
        title: "Invalid date range",
        detail: $"Send from and to as local dates (YYYY-MM-DD, UTC{statements.UtcOffsetText}), to not before from, at most {statements.MaxExportDays} days.");

    private static IResult InvalidDate(string field) =>
        ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, $"Invalid {field}. Send a date as YYYY-MM-DD.", field);

    /// <summary>A day as YYYY-MM-DD, in years 2 to 9998 so that its start and end in UTC (any offset) can be written down.</summary>
    private static DateOnly? ParseDay(string? text) =>
        text is { Length: 10 } && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
        && day.Year is > 1 and < 9999
            ? day
            : null;

    /// <summary>A positive whole number of ASCII digits (no sign or leading zero), or <paramref name="fallback"/> when absent.</summary>
    private static int? ParseCount(string? text, int fallback, int max)
    {
        if (text is null)
        {
            return fallback;
        }
        return text.Length <= 9 && text[0] is >= '1' and <= '9' && text.All(char.IsAsciiDigit)
               && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max
            ? value
            : null;
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string LocalTime(WalletStatements statements, DateTime utc) =>
        new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToOffset(statements.UtcOffset)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// One CSV line (RFC 4180 quoting). A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is
    /// prefixed with an apostrophe; amounts are written by us and never need it.
    /// </summary>
    private static string Csv(params string[] cells) => string.Join(',', cells.Select(cell =>
    {
        var text = cell.Length > 0 && cell[0] is '=' or '+' or '@' or '\t' or '\r' || (cell.Length > 1 && cell[0] == '-' && !char.IsAsciiDigit(cell[1]))
            ? "'" + cell
            : cell;
        return text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }));

    /// <summary>A CSV download written while it is read from the database, so its size never sits in memory.</summary>
    public sealed class CsvResult(string fileName, Func<StreamWriter, CancellationToken, Task> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = "text/csv; charset=utf-8";
            httpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            httpContext.Response.Headers.CacheControl = "no-store";
            await using var writer = new StreamWriter(httpContext.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024);
            await write(writer, httpContext.RequestAborted);
            await writer.FlushAsync(httpContext.RequestAborted);
        }
    }
}
