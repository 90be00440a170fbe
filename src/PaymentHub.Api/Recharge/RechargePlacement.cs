using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Idempotency;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Recharge;

/// <summary>A checked recharge: the normalised number, its active operator, the account type and the amount within limits.</summary>
public sealed record RechargeRequest(string Phone, ActiveOperator Operator, string AccountType, decimal Amount);

/// <summary>A recharge with what sends it (null: the operator's manual queue) and the reseller's commission.</summary>
public sealed record PricedRecharge(RechargeRequest Request, IRechargeConnector? Connector, decimal Commission)
{
    public decimal Debit => Request.Amount - Commission;
}

/// <summary>
/// Places a priced recharge: the idempotency gate, the wallet debit and the order (Sending, or Manual) in one
/// transaction, which without a request_id is on PostgreSQL the debit's one statement. If the request dies before it
/// records the upstream's answer, the reconciler takes over from the order.
/// </summary>
public sealed class RechargePlacement(
    PaymentHubDbContext db, OrderNumbers orderNumbers, LedgerService ledger, HouseAccounts house, IdempotencyGate gate,
    IOptions<RechargeOptions> options, TimeProvider clock)
{
    /// <summary>The committed order, or the answer instead of one (a replay, a refusal, or the order of an abandoned request).</summary>
    public async Task<(RechargeOrder? Order, IResult? Answer)> PlaceAsync(
        AuthenticatedReseller reseller, PricedRecharge priced, string? requestId, CancellationToken ct)
    {
        var order = NewOrder(reseller, priced, orderNumbers.Next(), clock.GetUtcNow().UtcDateTime);
        // Without a request_id the debit and its order are the whole placement: on PostgreSQL one statement, a transaction
        // of its own (LedgerService.TryPostAloneAsync). Otherwise, or where that cannot be, one transaction for it all.
        var paid = requestId is null ? await DebitAsync(reseller, priced, order, alone: true, ct) : null;
        if (paid is null && await PlaceInTransactionAsync(reseller, priced, order, requestId, ct) is { } answer)
        {
            return (null, answer);
        }
        return paid == false ? (null, InsufficientBalance()) : (order, null);
    }

    private static IResult InsufficientBalance() => ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Insufficient balance.");

    /// <summary>
    /// The placement in one transaction: the idempotency gate, the debit with its order and (with a request_id) the
    /// idempotency record. Null once the order is placed, otherwise the answer instead of it.
    /// </summary>
    private async Task<IResult?> PlaceInTransactionAsync(
        AuthenticatedReseller reseller, PricedRecharge priced, RechargeOrder order, string? requestId, CancellationToken ct)
    {
        var request = priced.Request;
        var requestHash = IdempotencyGate.HashRequest(request.Phone, Money.Format(request.Amount), request.Operator.Code, request.AccountType);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (requestId is not null)
        {
            var decision = await gate.EnterAsync(reseller.Id, RechargeApi.IdempotencyScope, requestId, requestHash, ct);
            if (gate.IsAbandoned(decision, TimeSpan.FromSeconds(options.Value.ResolveAfterSeconds)))
            {
                // Nothing was written in this transaction: end it before answering from the committed order.
                await tx.RollbackAsync(ct);
                return await AnswerAbandonedAsync(decision.Record!, reseller, ct);
            }
            if (decision.Verdict != IdempotencyVerdict.Proceed)
            {
                return decision.ToResult();
            }
        }
        if (await DebitAsync(reseller, priced, order, alone: false, ct) != true)
        {
            return InsufficientBalance();
        }
        if (requestId is not null)
        {
            gate.Record(reseller.Id, RechargeApi.IdempotencyScope, requestId, requestHash, null, null, order.OrderNumber);
        }
        try
        {
            await db.SaveChangesWithoutSavepointAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (requestId is not null && DbErrors.IsUniqueViolation(ex))
        {
            await tx.RollbackAsync(ct);
            return await gate.AnswerLostRaceAsync(reseller.Id, RechargeApi.IdempotencyScope, requestId, requestHash, ct);
        }
        return null;
    }

    /// <summary>
    /// The wallet debit less the commission, with the <paramref name="order"/> it pays for (in the debit's own statement on
    /// PostgreSQL, see <see cref="RechargeOrderWrites"/>): true when paid, false when the wallet cannot pay it, and then
    /// nothing is written. <paramref name="alone"/>: outside a transaction (<see cref="LedgerService.TryPostAloneAsync"/>),
    /// null when that cannot be.
    /// </summary>
    private async Task<bool?> DebitAsync(AuthenticatedReseller reseller, PricedRecharge priced, RechargeOrder order, bool alone, CancellationToken ct)
    {
        var request = priced.Request;
        var description = $"Recharge {request.Operator.Code} {request.Phone}";
        Posting[] postings =
        [
            new Posting(reseller.WalletAccountId, -priced.Debit),
            new Posting(house[LedgerAccountKind.UpstreamPayable], request.Amount),
            new Posting(house[LedgerAccountKind.CommissionExpense], -priced.Commission),
        ];
        var balancesAfter = new Dictionary<long, decimal>(1);
        try
        {
            var row = RechargeOrderWrites.Insert(order);
            var posted = alone
                ? await ledger.TryPostAloneAsync(JournalKind.RechargeDebit, order.OrderNumber, description, postings, row, ct, balancesAfter)
                : await ledger.PostWithRowAsync(JournalKind.RechargeDebit, order.OrderNumber, description, postings, row, ct, balancesAfter);
            if (posted is not { } placed)
            {
                return null;
            }
            RechargeOrderWrites.Placed(db, order, placed.Journal, balancesAfter[reseller.WalletAccountId], placed.PaidRowId);
            return true;
        }
        catch (InsufficientFundsException)
        {
            return false;
        }
    }

    /// <summary>The order as placed; its debit journal and the wallet's balances come with the debit (<see cref="RechargeOrderWrites.Placed"/>).</summary>
    private RechargeOrder NewOrder(AuthenticatedReseller reseller, PricedRecharge priced, string orderNumber, DateTime now)
    {
        var request = priced.Request;
        var manual = priced.Connector is null;
        return new RechargeOrder
        {
            OrderNumber = orderNumber,
            ResellerId = reseller.Id,
            Phone = request.Phone,
            OperatorCode = request.Operator.Code,
            OperatorName = request.Operator.Name,
            AccountType = request.AccountType,
            Amount = request.Amount,
            Commission = priced.Commission,
            DebitAmount = priced.Debit,
            Status = RechargeStatus.Processing,
            Connector = request.Operator.Connector,
            Stage = manual ? RechargeStage.Manual : RechargeStage.Sending,
            // If this request dies before it records the upstream's answer, the reconciler takes over from here,
            // by status query only.
            NextAttemptAt = manual ? null : now.AddSeconds(options.Value.ResolveAfterSeconds),
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>A retry of a request that died after its debit committed: the existing order, as it stands now, is the answer.</summary>
    private async Task<IResult> AnswerAbandonedAsync(IdempotencyRecord record, AuthenticatedReseller reseller, CancellationToken ct)
    {
        var order = await db.RechargeOrders.AsNoTracking()
            .SingleAsync(o => o.OrderNumber == record.OrderNumber && o.ResellerId == reseller.Id, ct);
        var reply = RechargeReplies.For(order, reseller.Name);
        await gate.TryAnswerAsync(reseller.Id, RechargeApi.IdempotencyScope, record.Key, StatusCodes.Status200OK, reply.ToJsonString());
        return ResellerResults.Reply(StatusCodes.Status200OK, reply);
    }
}
