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
/// transaction. If the request dies before it records the upstream's answer, the reconciler takes over from the order.
/// </summary>
public sealed class RechargePlacement(
    PaymentHubDbContext db, OrderNumbers orderNumbers, LedgerService ledger, HouseAccounts house, IdempotencyGate gate,
    IOptions<RechargeOptions> options, TimeProvider clock)
{
    /// <summary>The committed order, or the answer instead of one (a replay, a refusal, or the order of an abandoned request).</summary>
    public async Task<(RechargeOrder? Order, IResult? Answer)> PlaceAsync(
        AuthenticatedReseller reseller, PricedRecharge priced, string? requestId, CancellationToken ct)
    {
        var request = priced.Request;
        var now = clock.GetUtcNow().UtcDateTime;
        var orderNumber = orderNumbers.Next();
        var requestHash = IdempotencyGate.HashRequest(request.Phone, Money.Format(request.Amount), request.Operator.Code, request.AccountType);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (requestId is not null)
        {
            var decision = await gate.EnterAsync(reseller.Id, RechargeApi.IdempotencyScope, requestId, requestHash, ct);
            if (gate.IsAbandoned(decision, TimeSpan.FromSeconds(options.Value.ResolveAfterSeconds)))
            {
                // Nothing was written in this transaction: end it before answering from the committed order.
                await tx.RollbackAsync(ct);
                return (null, await AnswerAbandonedAsync(decision.Record!, reseller, ct));
            }
            if (decision.Verdict != IdempotencyVerdict.Proceed)
            {
                return (null, decision.ToResult());
            }
        }
        var order = NewOrder(reseller, priced, orderNumber, now);
        if (!await DebitAsync(reseller, priced, order, ct))
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Insufficient balance."));
        }
        if (requestId is not null)
        {
            gate.Record(reseller.Id, RechargeApi.IdempotencyScope, requestId, requestHash, null, null, orderNumber);
        }
        try
        {
            await db.SaveChangesWithoutSavepointAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (requestId is not null && DbErrors.IsUniqueViolation(ex))
        {
            await tx.RollbackAsync(ct);
            return (null, await gate.AnswerLostRaceAsync(reseller.Id, RechargeApi.IdempotencyScope, requestId, requestHash, ct));
        }
        return (order, null);
    }

    /// <summary>
    /// The wallet debit less the commission, with the <paramref name="order"/> it pays for (in the debit's own statement on
    /// PostgreSQL, see <see cref="RechargeOrderWrites"/>); false when the wallet cannot pay it, and then nothing is written.
    /// </summary>
    private async Task<bool> DebitAsync(AuthenticatedReseller reseller, PricedRecharge priced, RechargeOrder order, CancellationToken ct)
    {
        var request = priced.Request;
        var balancesAfter = new Dictionary<long, decimal>(1);
        try
        {
            var (journal, orderId) = await ledger.PostWithRowAsync(JournalKind.RechargeDebit, order.OrderNumber,
                $"Recharge {request.Operator.Code} {request.Phone}",
                [
                    new Posting(reseller.WalletAccountId, -priced.Debit),
                    new Posting(house[LedgerAccountKind.UpstreamPayable], request.Amount),
                    new Posting(house[LedgerAccountKind.CommissionExpense], -priced.Commission),
                ], RechargeOrderWrites.Insert(order), ct, balancesAfter);
            RechargeOrderWrites.Placed(db, order, journal, balancesAfter[reseller.WalletAccountId], orderId);
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
