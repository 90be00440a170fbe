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
/// recorded answer, in one transaction; the fulfilment worker takes the order from there.
/// </summary>
public sealed class BillOrderPlacement(
    PaymentHubDbContext db, OrderNumbers orderNumbers, LedgerService ledger, HouseAccounts house, IdempotencyGate gate,
    TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, WorkSignal<BillFulfilmentWorker> fulfilment)
{
    public async Task<IResult> PlaceAsync(AuthenticatedReseller reseller, BillSubmission submission, string? requestId, CancellationToken ct)
    {
        var service = submission.Service;
        var now = clock.GetUtcNow().UtcDateTime;
        var orderNumber = orderNumbers.Next();
        var reply = new SubmitReply(true, orderNumber, "Processing", service.ProviderName, service.Name, submission.ModuleData,
            submission.BillMonth, Money.Format(submission.Amount), Money.Format(submission.TotalAmount));
        var replyJson = JsonSerializer.Serialize(reply, json.Value.SerializerOptions);
        var requestHash = IdempotencyGate.HashRequest(BillPaymentApi.Id(submission.ProviderId), BillPaymentApi.Id(service.Id),
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
        if (!await DebitAsync(reseller, submission, NewOrder(reseller, submission, orderNumber, now), ct))
        {
            return ResellerResults.Error(StatusCodes.Status422UnprocessableEntity, "Insufficient balance.");
        }
        if (requestId is not null)
        {
            gate.Record(reseller.Id, BillPaymentApi.IdempotencyScope, requestId, requestHash, StatusCodes.Status200OK, replyJson, orderNumber);
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
        if (service.Connector != Connectors.ConnectorNames.Manual)
        {
            fulfilment.Notify();
        }
        return ResellerResults.RawJson(StatusCodes.Status200OK, replyJson);
    }

    /// <summary>
    /// The wallet debit with the fee and commission, with the <paramref name="order"/> it pays for (in the debit's own
    /// statement on PostgreSQL, see <see cref="BillOrderWrites"/>); false when the wallet cannot pay it, and then nothing is written.
    /// </summary>
    private async Task<bool> DebitAsync(AuthenticatedReseller reseller, BillSubmission submission, BillOrder order, CancellationToken ct)
    {
        var service = submission.Service;
        try
        {
            var (journal, orderId) = await ledger.PostWithRowAsync(JournalKind.BillOrderDebit, order.OrderNumber,
                $"Bill payment {service.ProviderName} / {service.Name}",
                [
                    new Posting(reseller.WalletAccountId, -submission.DebitAmount),
                    new Posting(house[LedgerAccountKind.UpstreamPayable], submission.Amount),
                    new Posting(house[LedgerAccountKind.FeeIncome], service.Fee),
                    new Posting(house[LedgerAccountKind.CommissionExpense], -service.Commission),
                ], BillOrderWrites.Insert(order), ct);
            PaidRow.Placed(db.BillOrders, order, journal, orderId);
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
