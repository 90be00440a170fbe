using Microsoft.AspNetCore.Mvc;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Bills;

public sealed record CompleteOrderRequest(string TokenNumber);
public sealed record CancelOrderRequest(string CancelNote);

public sealed record BillOrderAdminReply(
    string OrderNumber, int ResellerId, string Status, string Provider, string Service, IReadOnlyDictionary<string, string> ModuleData,
    string? BillMonth, decimal Amount, decimal Fee, decimal Commission, decimal TotalAmount, decimal DebitAmount, string? TokenNumber,
    string? CancelNote, string Connector, string Stage, string? UpstreamRef, int Attempts, DateTime? NextAttemptAt, DateTime? FlaggedAt,
    string? FlagReason, string? LastError, DateTime CreatedAt, DateTime? CompletedAt);

public sealed class CompleteOrderRequestValidator : AbstractValidator<CompleteOrderRequest>
{
    public CompleteOrderRequestValidator() => RuleFor(r => r.TokenNumber).NotEmpty().MaximumLength(300).NoControlCharacters();
}

public sealed class CancelOrderRequestValidator : AbstractValidator<CancelOrderRequest>
{
    public CancelOrderRequestValidator() => RuleFor(r => r.CancelNote).NotEmpty().MaximumLength(500).NoControlCharacters();
}

public static class BillOrderAdminApi
{
    public static RouteGroupBuilder MapBillOrderAdminApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/orders").WithTags("Bill orders");
        group.MapGet("/", ListAsync).WithDescription("Bill orders, newest first. Filters: status (Processing, Success, Cancelled), reseller_id, flagged=true.");
        group.MapGet("/{orderNumber}", GetAsync);
        group.MapPost("/{orderNumber}/complete", CompleteAsync).WithDescription("Marks a Processing order paid, with the biller's token.");
        group.MapPost("/{orderNumber}/cancel", CancelAsync).WithDescription("Cancels a Processing order and refunds exactly what was debited.");
        return group;
    }

    public static async Task<Results<Ok<List<BillOrderAdminReply>>, ProblemHttpResult>> ListAsync(
        PaymentHubDbContext db, CancellationToken ct, string? status = null, [FromQuery(Name = "reseller_id")] int? resellerId = null, bool? flagged = null, int limit = 100)
    {
        var query = db.BillOrders.AsNoTracking();
        if (status is not null)
        {
            if (!EnumNames.TryParse<BillOrderStatus>(status, out var parsed))
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid status", detail: "Use Processing, Success or Cancelled.");
            }
            query = query.Where(o => o.Status == parsed);
        }
        if (resellerId is not null)
        {
            query = query.Where(o => o.ResellerId == resellerId);
        }
        if (flagged is not null)
        {
            query = flagged.Value ? query.Where(o => o.FlaggedAt != null) : query.Where(o => o.FlaggedAt == null);
        }
        var orders = await query.OrderByDescending(o => o.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(orders.Select(ToReply).ToList());
    }

    public static async Task<Results<Ok<BillOrderAdminReply>, ProblemHttpResult>> GetAsync(string orderNumber, PaymentHubDbContext db, CancellationToken ct)
    {
        var order = await db.BillOrders.AsNoTracking().FirstOrDefaultAsync(o => o.OrderNumber == orderNumber, ct);
        return order is null ? NotFound(orderNumber) : TypedResults.Ok(ToReply(order));
    }

    public static async Task<Results<Ok<BillOrderAdminReply>, ProblemHttpResult>> CompleteAsync(
        string orderNumber, CompleteOrderRequest request, BillOrderSettlement settlement, PaymentHubDbContext db, CancellationToken ct) =>
        await AfterSettlementAsync(orderNumber, await settlement.CompleteAsync(orderNumber, request.TokenNumber.Trim(), null, ct), db, ct);

    public static async Task<Results<Ok<BillOrderAdminReply>, ProblemHttpResult>> CancelAsync(
        string orderNumber, CancelOrderRequest request, BillOrderSettlement settlement, PaymentHubDbContext db, CancellationToken ct) =>
        await AfterSettlementAsync(orderNumber, await settlement.CancelAsync(orderNumber, request.CancelNote.Trim(), null, ct), db, ct);

    private static async Task<Results<Ok<BillOrderAdminReply>, ProblemHttpResult>> AfterSettlementAsync(
        string orderNumber, SettlementResult result, PaymentHubDbContext db, CancellationToken ct) => result switch
    {
        SettlementResult.Settled => await GetAsync(orderNumber, db, ct),
        SettlementResult.NotFound => NotFound(orderNumber),
        SettlementResult.AlreadyFinal => TypedResults.Problem(statusCode: 409, title: "Order already final",
            detail: $"Order {orderNumber} is no longer Processing."),
        _ => TypedResults.Problem(statusCode: 409, title: "Order is being processed",
            detail: $"A fulfilment worker holds order {orderNumber} right now; try again in a minute."),
    };

    private static ProblemHttpResult NotFound(string orderNumber) =>
        TypedResults.Problem(statusCode: 404, title: "Order not found", detail: $"There is no bill order {orderNumber}.");

    private static BillOrderAdminReply ToReply(BillOrder o) => new(
        o.OrderNumber, o.ResellerId, o.Status.ToString(), o.ProviderName, o.ServiceName,
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(o.ModuleData) ?? [], o.BillMonth, o.Amount, o.Fee,
        o.Commission, o.TotalAmount, o.DebitAmount, o.TokenNumber, o.CancelNote, o.Connector, Fulfilment.BillStages.Machine.DisplayName(o.Stage), o.UpstreamRef, o.Attempts,
        o.NextAttemptAt, o.FlaggedAt, o.FlagReason, o.LastError, o.CreatedAt, o.CompletedAt);
}
