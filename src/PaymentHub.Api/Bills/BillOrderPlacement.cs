using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Idempotency;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Resellers;

namespace PaymentHub.Bills;

/// <summary>A checked bill submit: the service it names (active, with its limits met), its module data and amount.</summary>
public sealed record BillSubmission(
    int ProviderId, ActiveService Service, Dictionary<string, string> ModuleData, string? BillMonth, decimal Amount)
{
    public decimal TotalAmount => Amount + Service.Fee;

    /// <summary>What the reseller's wallet pays: the total less the reseller's commission.</summary>
    public decimal DebitAmount => TotalAmount - Service.Commission;
}

/// <summary>
/// Places a checked bill submit: the idempotency gate, the wallet debit, the order and (with a request_id) the
/// recorded answer, in one transaction, which without a request_id is on PostgreSQL the debit's one statement; the
/// fulfilment worker takes the order from there.
/// </summary>
public sealed class BillOrderPlacement(
    PaymentHubDbContext db, OrderNumbers orderNumbers, LedgerService ledger, HouseAccounts house, IdempotencyGate gate,
    TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, WorkSignal<BillFulfilmentWorker> fulfilment)
{
    public async Task<IResult> PlaceAsync(AuthenticatedReseller reseller, BillSubmission submission, string? requestId, CancellationToken ct)
    {
        var service = submission.Service;
        var orderNumber = orderNumbers.Next();
        var order = NewOrder(reseller, submission, orderNumber, clock.GetUtcNow().UtcDateTime);
        var reply = new SubmitReply(true, orderNumber, "Processing", service.ProviderName, service.Name, submission.ModuleData,
            submission.BillMonth, Money.Format(submission.Amount), Money.Format(submission.TotalAmount));
        var replyJson = JsonSerializer.Serialize(reply, json.Value.SerializerOptions);

        // Without a request_id the debit and its order are the whole placement: on PostgreSQL one statement, a transaction
        // of its own (LedgerService.TryPostAloneAsync). Otherwise, or where that cannot be, one transaction for it all.
        var paid = requestId is null ? await DebitAsync(reseller, submission, order, alone: true, ct) : null;
        if (paid is null && await PlaceInTransactionAsync(reseller, submission, order, requestId, replyJson, ct) is { } answer)
        {
            return answer;
        }
        if (paid == false)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Insufficient balance.");
        }
        if (service.Connector != Connectors.ConnectorNames.Manual)
        {
            fulfilment.Notify();
        }
        return ResellerResults.RawJson(StatusCodes.Status200OK, replyJson);
    }

    /// <summary>
    /// The placement in one transaction: the idempotency gate, the debit with its order and (with a request_id) the
    /// recorded answer. Null once the order is placed, otherwise the answer instead of it.
    /// </summary>
    private async Task<IResult?> PlaceInTransactionAsync(
        AuthenticatedReseller reseller, BillSubmission submission, BillOrder order, string? requestId, string replyJson, CancellationToken ct)
    {
        var requestHash = IdempotencyGate.HashRequest(BillPaymentApi.Id(submission.ProviderId), BillPaymentApi.Id(submission.Service.Id),
            Money.Format(submission.Amount), submission.BillMonth, JsonSerializer.Serialize(submission.ModuleData));
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (requestId is not null)
        {
            var decision = await gate.EnterAsync(reseller.Id, BillPaymentApi.IdempotencyScope, requestId, requestHash, ct);
            if (decision.Verdict != IdempotencyVerdict.Proceed)
            {
                return decision.ToResult();
            }
        }
        if (await DebitAsync(reseller, submission, order, alone: false, ct) != true)
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Insufficient balance.");
        }
        if (requestId is not null)
        {
            gate.Record(reseller.Id, BillPaymentApi.IdempotencyScope, requestId, requestHash, StatusCodes.Status200OK, replyJson, order.OrderNumber);
        }
        try
        {
            await db.SaveChangesWithoutSavepointAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (requestId is not null && DbErrors.IsUniqueViolation(ex))
        {
            await tx.RollbackAsync(ct);
            return await gate.AnswerLostRaceAsync(reseller.Id, BillPaymentApi.IdempotencyScope, requestId, requestHash, ct);
        }
        return null;
    }

    /// <summary>
    /// The wallet debit with the fee and commission, with the <paramref name="order"/> it pays for (in the debit's own
    /// statement on PostgreSQL, see <see cref="BillOrderWrites"/>): true when paid, false when the wallet cannot pay it, and
    /// then nothing is written. <paramref name="alone"/>: outside a transaction (<see cref="LedgerService.TryPostAloneAsync"/>),
    /// null when that cannot be.
    /// </summary>
    private async Task<bool?> DebitAsync(AuthenticatedReseller reseller, BillSubmission submission, BillOrder order, bool alone, CancellationToken ct)
    {
        var service = submission.Service;
        var description = $"Bill payment {service.ProviderName} / {service.Name}";
        Posting[] postings =
        [
            new Posting(reseller.WalletAccountId, -submission.DebitAmount),
            new Posting(house[LedgerAccountKind.UpstreamPayable], submission.Amount),
            new Posting(house[LedgerAccountKind.FeeIncome], service.Fee),
            new Posting(house[LedgerAccountKind.CommissionExpense], -service.Commission),
        ];
        try
        {
            var row = BillOrderWrites.Insert(order);
            var posted = alone
                ? await ledger.TryPostAloneAsync(JournalKind.BillOrderDebit, order.OrderNumber, description, postings, row, ct)
                : await ledger.PostWithRowAsync(JournalKind.BillOrderDebit, order.OrderNumber, description, postings, row, ct);
            if (posted is not { } placed)
            {
                return null;
            }
            PaidRow.Placed(db.BillOrders, order, placed.Journal, placed.PaidRowId);
            return true;
        }
        catch (InsufficientFundsException)
        {
            return false;
        }
    }

    /// <summary>The order as placed; its debit journal comes with the debit (<see cref="PaidRow.Placed{T}"/>).</summary>
    private static BillOrder NewOrder(AuthenticatedReseller reseller, BillSubmission submission, string orderNumber, DateTime now)
    {
        var service = submission.Service;
        return new BillOrder
        {
            OrderNumber = orderNumber,
            ResellerId = reseller.Id,
            ProviderId = submission.ProviderId,
            ServiceId = service.Id,
            ProviderName = service.ProviderName,
            ServiceName = service.Name,
            ModuleData = JsonSerializer.Serialize(submission.ModuleData),
            BillMonth = submission.BillMonth,
            Amount = submission.Amount,
            Fee = service.Fee,
            Commission = service.Commission,
            TotalAmount = submission.TotalAmount,
            DebitAmount = submission.DebitAmount,
            Status = BillOrderStatus.Processing,
            Connector = service.Connector,
            ConnectorProductCode = service.ConnectorProductCode,
            CustomerNumber = submission.ModuleData.GetValueOrDefault(service.CustomerNumberField ?? "") ?? submission.ModuleData.Values.FirstOrDefault(),
            Stage = BillStage.New,
            // Manual orders wait for an operator; everything else is picked up by the fulfilment worker.
            NextAttemptAt = service.Connector == Connectors.ConnectorNames.Manual ? null : now,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }
}
