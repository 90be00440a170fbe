using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
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
            .WithName("MobileRecharge")
            .WithSummary("nurr-compatible mobile recharge (no action); action=status_check with order_number or request_id");

    public readonly record struct RechargeDependencies(
        ResellerAuthenticator Authenticator, PaymentHubDbContext Db, OrderNumbers OrderNumbers, LedgerService Ledger, HouseAccounts House,
        IdempotencyGate Gate, RechargeSettlement Settlement, IEnumerable<IRechargeConnector> Connectors, IOptions<RechargeOptions> Options,
        TimeProvider Clock, ILoggerFactory Loggers);

    public static async Task<IResult> HandleAsync(HttpContext http, [FromQuery] string? action, [AsParameters] RechargeDependencies deps, CancellationToken ct)
    {
        if (action is not (null or "" or "status_check"))
        {
            return ResellerResults.Error(StatusCodes.Status400BadRequest, "Invalid action.");
        }
        var (form, reseller, error) = await deps.Authenticator.AuthenticateAsync(http, ct);
        if (error is not null)
        {
            return error;
        }
        return action == "status_check"
            ? await StatusCheckAsync(form!, reseller!, deps.Db, ct)
            : await RechargeAsync(http, form!, reseller!, deps, ct);
    }

    public static async Task<IResult> StatusCheckAsync(ResellerForm form, AuthenticatedReseller reseller, PaymentHubDbContext db, CancellationToken ct)
    {
        var orderNumber = form["order_number"];
        var requestId = form["request_id"];
        if (orderNumber is null && requestId is not null)
        {
            orderNumber = await db.IdempotencyRecords.Where(r => r.ResellerId == reseller.Id && r.Scope == IdempotencyScope && r.Key == requestId)
                .Select(r => r.OrderNumber).FirstOrDefaultAsync(ct);
            if (orderNumber is null)
            {
                return ResellerResults.Error(StatusCodes.Status404NotFound, "Transaction not found.");
            }
        }
        if (orderNumber is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.");
        }
        var order = await db.RechargeOrders.AsNoTracking().FirstOrDefaultAsync(o => o.OrderNumber == orderNumber && o.ResellerId == reseller.Id, ct);
        return order is null
            ? ResellerResults.Error(StatusCodes.Status404NotFound, "Transaction not found.")
            : ResellerResults.Reply(StatusCodes.Status200OK, RechargeReplies.For(order, reseller.Name));
    }

    public static async Task<IResult> RechargeAsync(HttpContext http, ResellerForm form, AuthenticatedReseller reseller, RechargeDependencies deps, CancellationToken ct)
    {
        var db = deps.Db;
        var phoneText = form["phone"];
        var amountText = form["amount"];
        var operatorText = form["operator"];
        if (phoneText is null || amountText is null || operatorText is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Missing required parameters.");
        }
        var accountTypeText = form["account_type"] ?? AccountTypes.Prepaid;
        var accountType = new[] { AccountTypes.Prepaid, AccountTypes.Postpaid }.FirstOrDefault(t => EnumNames.Matches(t, accountTypeText));
        if (accountType is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid account type.");
        }

        // "gp  st" names "GP ST"; only ASCII text is folded, so that no other script's letters or spaces stand in for these.
        var code = System.Text.Ascii.IsValid(operatorText) ? Spaces().Replace(operatorText, " ").ToUpperInvariant() : null;
        var operators = await db.MobileOperators.AsNoTracking().Where(o => o.IsActive).OrderBy(o => o.SortOrder).ToListAsync(ct);
        var mobileOperator = operators.FirstOrDefault(o => o.Code == code);
        if (mobileOperator is null)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = "Invalid operator.",
                ["allowed_operator"] = new JsonArray(operators.Select(o => (JsonNode)JsonValue.Create(o.Code)!).ToArray()),
            });
        }

        var phone = NormalisePhone(phoneText);
        if (phone is null || !mobileOperator.PrefixList.Contains(phone[..3]))
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Invalid operator number for this recharge.");
        }

        var (min, max) = mobileOperator.Limits(accountType);
        if (!Money.TryParsePositive(amountText, out var amount) || amount < min || amount > max)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, new JsonObject
            {
                ["error"] = "Invalid recharge amount.",
                ["min_amount"] = Money.Format(min),
                ["max_amount"] = Money.Format(max),
            });
        }

        var (requestId, keyError) = IdempotencyGate.ReadKey(http.Request, form);
        if (keyError is not null)
        {
            return keyError;
        }

        IRechargeConnector? connector = null;
        if (mobileOperator.Connector != ConnectorNames.Manual)
        {
            connector = deps.Connectors.FirstOrDefault(c => c.Name == mobileOperator.Connector && c.IsConfigured);
            if (connector is null)
            {
                // A configuration error on our side: refuse before any money moves.
                return ResellerResults.Error(StatusCodes.Status500InternalServerError, "Transaction failed.");
            }
        }

        if (mobileOperator.CommissionFor(accountType, amount) is not { } commission)
        {
            // Stored settings that would give the whole amount away (set behind the admin API's back): a configuration
            // error on our side, refused before any money moves.
            LogFreeRechargeRefused(deps.Loggers.CreateLogger(typeof(RechargeApi).FullName!), mobileOperator.Code, accountType, Money.Format(amount));
            return ResellerResults.Error(StatusCodes.Status500InternalServerError, "Transaction failed.");
        }
        var debit = amount - commission;
        var now = deps.Clock.GetUtcNow().UtcDateTime;
        var orderNumber = deps.OrderNumbers.Next();
        var requestHash = IdempotencyGate.HashRequest(phone, Money.Format(amount), mobileOperator.Code, accountType);

        RechargeOrder order;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            if (requestId is not null)
            {
                var decision = await deps.Gate.EnterAsync(reseller.Id, IdempotencyScope, requestId, requestHash, ct);
                if (deps.Gate.IsAbandoned(decision, TimeSpan.FromSeconds(deps.Options.Value.ResolveAfterSeconds)))
                {
                    // Nothing was written in this transaction: end it before answering from the committed order.
                    await tx.RollbackAsync(ct);
                    return await AnswerAbandonedAsync(decision.Record!, reseller, deps, ct);
                }
                if (decision.Verdict != IdempotencyVerdict.Proceed)
                {
                    return decision.ToResult();
                }
            }
            LedgerJournal journal;
            try
            {
                journal = await deps.Ledger.PostAsync(JournalKind.RechargeDebit, orderNumber, $"Recharge {mobileOperator.Code} {phone}",
                [
                    new Posting(reseller.WalletAccountId, -debit),
                    new Posting(deps.House[LedgerAccountKind.UpstreamPayable], amount),
                    new Posting(deps.House[LedgerAccountKind.CommissionExpense], -commission),
                ], ct);
            }
            catch (InsufficientFundsException)
            {
                return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Insufficient balance.");
            }
            var afterBalance = await db.LedgerAccounts.Where(a => a.Id == reseller.WalletAccountId).Select(a => a.Balance).SingleAsync(ct);
            order = new RechargeOrder
            {
                OrderNumber = orderNumber,
                ResellerId = reseller.Id,
                Phone = phone,
                OperatorCode = mobileOperator.Code,
                OperatorName = mobileOperator.Name,
                AccountType = accountType,
                Amount = amount,
                Commission = commission,
                DebitAmount = debit,
                BeforeBalance = afterBalance + debit,
                AfterBalance = afterBalance,
                Status = RechargeStatus.Processing,
                DebitJournal = journal,
                Connector = mobileOperator.Connector,
                Stage = connector is null ? RechargeStage.Manual : RechargeStage.Sending,
                // If this request dies before it records the upstream's answer, the reconciler takes over from here,
                // by status query only.
                NextAttemptAt = connector is null ? null : now.AddSeconds(deps.Options.Value.ResolveAfterSeconds),
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.RechargeOrders.Add(order);
            if (requestId is not null)
            {
                deps.Gate.Record(reseller.Id, IdempotencyScope, requestId, requestHash, null, null, orderNumber);
            }
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            catch (DbUpdateException ex) when (requestId is not null && DbErrors.IsUniqueViolation(ex))
            {
                await tx.RollbackAsync(ct);
                return await deps.Gate.AnswerLostRaceAsync(reseller.Id, IdempotencyScope, requestId, requestHash, ct);
            }
        }

        // From here on the money has moved: the outcome is recorded whatever happens to the caller's connection, and
        // the reseller is told about the order whatever fails, never "Transaction failed", which would invite a second
        // recharge under a new request_id.
        JsonObject reply;
        try
        {
            if (connector is not null)
            {
                await SendAsync(connector, order, deps, CancellationToken.None);
            }
            var final = await db.RechargeOrders.AsNoTracking().SingleAsync(o => o.Id == order.Id, CancellationToken.None);
            reply = RechargeReplies.For(final, reseller.Name);
        }
        catch (Exception ex)
        {
            // The order stays Processing as committed: the reconciler resolves it by status query once ResolveAfterSeconds
            // have passed (or an operator does, for a manual one). It is neither resent nor refunded blindly.
            LogLeftProcessing(deps.Loggers.CreateLogger(typeof(RechargeApi).FullName!), ex, order.OrderNumber);
            reply = RechargeReplies.For(order, reseller.Name);
        }
        if (requestId is not null)
        {
            await deps.Gate.TryAnswerAsync(reseller.Id, IdempotencyScope, requestId, StatusCodes.Status200OK, reply.ToJsonString());
        }
        return ResellerResults.Reply(StatusCodes.Status200OK, reply);
    }

    /// <summary>A retry of a request that died after its debit committed: the existing order, as it stands now, is the answer.</summary>
    private static async Task<IResult> AnswerAbandonedAsync(IdempotencyRecord record, AuthenticatedReseller reseller, RechargeDependencies deps, CancellationToken ct)
    {
        var order = await deps.Db.RechargeOrders.AsNoTracking()
            .SingleAsync(o => o.OrderNumber == record.OrderNumber && o.ResellerId == reseller.Id, ct);
        var reply = RechargeReplies.For(order, reseller.Name);
        await deps.Gate.TryAnswerAsync(reseller.Id, IdempotencyScope, record.Key, StatusCodes.Status200OK, reply.ToJsonString());
        return ResellerResults.Reply(StatusCodes.Status200OK, reply);
    }

    private static async Task SendAsync(IRechargeConnector connector, RechargeOrder order, RechargeDependencies deps, CancellationToken ct)
    {
        var work = new RechargeWork(order.OrderNumber, order.Phone, order.OperatorCode, order.AccountType, order.Amount, order.CreatedAt);
        RechargeOutcome outcome;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(deps.Options.Value.UpstreamTimeoutSeconds));
        try
        {
            outcome = await connector.RechargeAsync(work, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            outcome = new RechargeOutcome.Unknown($"{ex.GetType().Name} while sending the recharge.");
        }

        switch (outcome)
        {
            case RechargeOutcome.Succeeded success:
                await deps.Settlement.SucceedAsync(order.Id, success.OperatorTransactionId, null, ct);
                break;
            case RechargeOutcome.Failed failed:
                await deps.Settlement.FailAsync(order.Id, failed.Reason, null, ct);
                break;
            case RechargeOutcome.Unknown unknown:
                var now = deps.Clock.GetUtcNow().UtcDateTime;
                var note = unknown.Note.Length <= 1000 ? unknown.Note : unknown.Note[..1000];
                var canCheck = connector.CanCheckStatus;
                await deps.Db.RechargeOrders.Where(o => o.Id == order.Id && o.Status == RechargeStatus.Processing)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(o => o.Stage, RechargeStages.Machine.Move(RechargeStage.Sending, RechargeStage.Unknown))
                        .SetProperty(o => o.LastError, note)
                        .SetProperty(o => o.NextAttemptAt, canCheck ? now.AddSeconds(2) : null)
                        .SetProperty(o => o.FlaggedAt, canCheck ? null : now)
                        .SetProperty(o => o.FlagReason, canCheck ? null : "Outcome unknown and the connector has no status query: " + note)
                        .SetProperty(o => o.UpdatedAt, now), ct);
                break;
        }
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
        Message = "Recharge {OrderNumber} is debited but sending or settling it failed; it stays Processing for the status query")]
    private static partial void LogLeftProcessing(ILogger logger, Exception ex, string orderNumber);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Recharge refused: operator {Operator} {AccountType} commission would give away all of {Amount}; fix it with PATCH /admin/v1/operators")]
    private static partial void LogFreeRechargeRefused(ILogger logger, string @operator, string accountType, string amount);

    [GeneratedRegex(" +", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
