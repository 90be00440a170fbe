using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Connectors;
using PaymentHub.Data;
using PaymentHub.Idempotency;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Recharge;

public sealed class RechargeOptions
{
    /// <summary>A recharge the request thread did not settle within this time is taken over by the reconciler.</summary>
    public int ResolveAfterSeconds { get; set; } = 60;
    /// <summary>How long the request waits for the upstream before the outcome counts as unknown.</summary>
    public int UpstreamTimeoutSeconds { get; set; } = 30;
}

/// <summary>nurr's mobile-recharge API: <c>POST /api/mobile-recharge.php</c> (no action), synchronous reply.</summary>
public static partial class RechargeApi
{
    public const string IdempotencyScope = "recharge";

    public static IEndpointConventionBuilder MapRechargeApi(this RouteGroupBuilder resellerApi) =>
        resellerApi.MapPost("/mobile-recharge.php", HandleAsync)
            .WithResellerActions(null, "", "status_check")
            .WithName("MobileRecharge")
            .WithResellerDocs(RechargeApiDocs.Actions)
            .WithSummary("nurr-compatible mobile recharge (no action); action=status_check with order_number or request_id");

    public static async Task<IResult> HandleAsync(
        HttpContext http, [FromQuery] string? action, ResellerForm form, AuthenticatedReseller reseller, PaymentHubDbContext db,
        ActiveOperatorCache activeOperators, IEnumerable<IRechargeConnector> connectors, ILoggerFactory loggers, RechargePlacement placement,
        RechargeSending sending, CancellationToken ct)
    {
        if (action == "status_check")
        {
            return await StatusCheckAsync(form, reseller, db, ct);
        }
        // The operator lookup and the placement's transaction share one pooled connection; it goes back to the pool
        // at the end of this block, before the upstream call, which may take seconds; sending takes one for the outcome.
        PricedRecharge priced;
        string? requestId;
        (RechargeOrder? Order, IResult? Answer) placed;
        await using (await db.Database.HoldConnectionAsync(ct))
        {
            var (request, error) = await ReadRequestAsync(form, db, activeOperators, ct);
            if (request is null)
            {
                return error!;
            }
            (requestId, var keyError) = IdempotencyGate.ReadKey(http.Request, form);
            if (keyError is not null)
            {
                return keyError;
            }
            if (Price(request, connectors, loggers) is not { } checkedPrice)
            {
                return ResellerResults.Error(StatusCodes.Status500InternalServerError, "Transaction failed.");
            }
            priced = checkedPrice;
            // Placed to the end whatever the client does, like a bill submit (see BillPaymentApi.SubmitAsync).
            placed = await placement.PlaceAsync(reseller, priced, requestId, CancellationToken.None);
        }
        return placed.Order is not { } order ? placed.Answer! : await sending.SendAndAnswerAsync(priced.Connector, order, reseller, requestId);
    }

    public static async Task<IResult> StatusCheckAsync(ResellerForm form, AuthenticatedReseller reseller, PaymentHubDbContext db, CancellationToken ct)
    {
        var orderNumber = form["order_number"];
        var requestId = form["request_id"];
        if (orderNumber is null && requestId is not null)
        {
            orderNumber = await IdempotencyGate.OrderNumberForKeyAsync(db, reseller.Id, IdempotencyScope, requestId, ct);
            if (orderNumber is null)
            {
                return ResellerResults.Error(StatusCodes.Status404NotFound, "Transaction not found.");
            }
        }
        if (orderNumber is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.");
        }
        var order = await StatusQuery.For(db)(db, orderNumber, reseller.Id, ct);
        return order is null
            ? ResellerResults.Error(StatusCodes.Status404NotFound, "Transaction not found.")
            : ResellerResults.Reply(StatusCodes.Status200OK, RechargeReplies.For(order, reseller.Name));
    }

    // Compiled once per model, as the bill status_check's (BillPaymentApi): EF's per-call work on the query cost the read
    // step about a third of its gateway CPU (bench/README.md).
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, string, int, CancellationToken, Task<RechargeOrder?>>> StatusQuery =
        new(() => EF.CompileAsyncQuery((PaymentHubDbContext db, string orderNumber, int resellerId, CancellationToken ct) =>
            db.RechargeOrders.AsNoTracking().FirstOrDefault(o => o.OrderNumber == orderNumber && o.ResellerId == resellerId)));

    /// <summary>The recharge's fields, in nurr's order of checks: presence, account type, operator, number, amount.</summary>
    internal static async Task<(RechargeRequest? Request, IResult? Error)> ReadRequestAsync(
        ResellerForm form, PaymentHubDbContext db, ActiveOperatorCache activeOperators, CancellationToken ct)
    {
        var phoneText = form["phone"];
        var amountText = form["amount"];
        var operatorText = form["operator"];
        if (phoneText is null || amountText is null || operatorText is null)
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters."));
        }
        var accountTypeText = form["account_type"] ?? AccountTypes.Prepaid;
        var accountType = new[] { AccountTypes.Prepaid, AccountTypes.Postpaid }.FirstOrDefault(t => EnumNames.Matches(t, accountTypeText));
        if (accountType is null)
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid account type."));
        }

        // "gp  st" names "GP ST"; only ASCII text is folded, so that no other script's letters or spaces stand in for these.
        var code = System.Text.Ascii.IsValid(operatorText) ? Spaces().Replace(operatorText, " ").ToUpperInvariant() : null;
        var operators = await activeOperators.GetAsync(db, ct);
        var mobileOperator = operators.FirstOrDefault(o => o.Code == code);
        if (mobileOperator is null)
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = "Invalid operator.",
                ["allowed_operator"] = new JsonArray(operators.Select(o => (JsonNode)JsonValue.Create(o.Code)!).ToArray()),
            }));
        }

        var phone = NormalisePhone(phoneText);
        if (phone is null || !mobileOperator.Prefixes.Contains(phone[..3]))
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid operator number for this recharge."));
        }

        var (min, max, _, _) = mobileOperator.Terms(accountType);
        if (!Money.TryParsePositive(amountText, out var amount) || amount < min || amount > max)
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = "Invalid recharge amount.",
                ["min_amount"] = Money.Format(min),
                ["max_amount"] = Money.Format(max),
            }));
        }
        return (new RechargeRequest(phone, mobileOperator, accountType, amount), null);
    }

    /// <summary>
    /// The connector that sends it (none for a manual operator) and the reseller's commission; null when our own
    /// configuration cannot carry it (no configured connector, or a commission that gives the whole amount away), refused
    /// before any money moves.
    /// </summary>
    internal static PricedRecharge? Price(RechargeRequest request, IEnumerable<IRechargeConnector> connectors, ILoggerFactory loggers)
    {
        var mobileOperator = request.Operator;
        IRechargeConnector? connector = null;
        if (mobileOperator.Connector != ConnectorNames.Manual)
        {
            connector = connectors.FirstOrDefault(c => c.Name == mobileOperator.Connector && c.IsConfigured);
            if (connector is null)
            {
                return null;
            }
        }
        if (mobileOperator.Terms(request.AccountType).CommissionFor(request.Amount) is not { } commission)
        {
            // Stored settings set behind the admin API's back.
            LogFreeRechargeRefused(loggers.CreateLogger(typeof(RechargeApi).FullName!), mobileOperator.Code, request.AccountType,
                Money.Format(request.Amount));
            return null;
        }
        return new PricedRecharge(request, connector, commission);
    }

    /// <summary>01XXXXXXXXX, 8801XXXXXXXXX or +8801XXXXXXXXX to the 11-digit form; null for anything else (+01…, 801…).</summary>
    public static string? NormalisePhone(string text)
    {
        var match = MobileNumber().Match(text);
        return match.Success ? match.Groups["local"].Value : null;
    }

    [GeneratedRegex(@"\A(?:\+?88)?(?<local>01[3-9][0-9]{8})\z", RegexOptions.CultureInvariant)]
    private static partial Regex MobileNumber();

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Recharge refused: operator {Operator} {AccountType} commission would give away all of {Amount}; fix it with PATCH /admin/v1/operators")]
    private static partial void LogFreeRechargeRefused(ILogger logger, string @operator, string accountType, string amount);

    [GeneratedRegex(" +", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
