using Microsoft.AspNetCore.Mvc;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Connectors;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Recharge;

public sealed record OperatorReply(
    string Code, string Name, IReadOnlyList<string> Prefixes, decimal PrepaidMin, decimal PrepaidMax, decimal PostpaidMin, decimal PostpaidMax,
    string PrepaidCommissionType, decimal PrepaidCommission, string PostpaidCommissionType, decimal PostpaidCommission, string Connector, bool Active);

public sealed record UpdateOperatorRequest(
    string? Name, List<string>? Prefixes, decimal? PrepaidMin, decimal? PrepaidMax, decimal? PostpaidMin, decimal? PostpaidMax,
    string? PrepaidCommissionType, decimal? PrepaidCommission, string? PostpaidCommissionType, decimal? PostpaidCommission, string? Connector, bool? Active);

public sealed record RewardSettingsRequest(decimal PointsPercent);
public sealed record RewardLevelRequest(string Name, decimal MinLifetimePoints);
public sealed record CashbackOfferRequest(
    string Name, string? OperatorCode, decimal MinAmount, string Type, decimal Value, decimal? MaxCashback, DateTime ValidFrom, DateTime ValidUntil,
    int MaxPerResellerPerDay, bool? Active);
public sealed record CashbackOfferReply(
    int Id, string Name, string? OperatorCode, decimal MinAmount, string Type, decimal Value, decimal? MaxCashback, DateTime ValidFrom,
    DateTime ValidUntil, int MaxPerResellerPerDay, bool IsActive, DateTime CreatedAt)
{
    public static CashbackOfferReply From(CashbackOffer o) => new(o.Id, o.Name, o.OperatorCode, o.MinAmount, EnumNames.Lower(o.Type), o.Value,
        o.MaxCashback, o.ValidFrom, o.ValidUntil, o.MaxPerResellerPerDay, o.IsActive, o.CreatedAt);
}

public sealed record CompleteRechargeRequest(string OperatorTransactionId);
public sealed record FailRechargeRequest(string Reason);

public sealed record RechargeAdminReply(
    string OrderNumber, int ResellerId, string Phone, string Operator, string AccountType, decimal Amount, decimal Commission, decimal DebitAmount,
    string Status, string? OperatorTransactionId, string? FailureReason, string Connector, string Stage, int Attempts, DateTime? FlaggedAt,
    string? FlagReason, string? LastError, DateTime CreatedAt, DateTime? CompletedAt);

public sealed class UpdateOperatorRequestValidator : AbstractValidator<UpdateOperatorRequest>
{
    public UpdateOperatorRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters().When(r => r.Name is not null);
        RuleForEach(r => r.Prefixes).Matches(@"^01[3-9]\z").WithMessage("A prefix is the first three digits, 013 to 019.");
        RuleFor(r => r.Prefixes!).NotEmpty().When(r => r.Prefixes is not null);
        RuleFor(r => r.PrepaidMin).GreaterThan(0m).LessThanOrEqualTo(Money.Ceiling).Must(a => a is null || Money.HasAtMostTwoDecimals(a.Value));
        RuleFor(r => r.PrepaidMax).GreaterThan(0m).LessThanOrEqualTo(Money.Ceiling).Must(a => a is null || Money.HasAtMostTwoDecimals(a.Value));
        RuleFor(r => r.PostpaidMin).GreaterThan(0m).LessThanOrEqualTo(Money.Ceiling).Must(a => a is null || Money.HasAtMostTwoDecimals(a.Value));
        RuleFor(r => r.PostpaidMax).GreaterThan(0m).LessThanOrEqualTo(Money.Ceiling).Must(a => a is null || Money.HasAtMostTwoDecimals(a.Value));
        RuleFor(r => r.PrepaidCommission).GreaterThanOrEqualTo(0m).Must(a => a is null || Money.HasAtMostTwoDecimals(a.Value));
        RuleFor(r => r.PostpaidCommission).GreaterThanOrEqualTo(0m).Must(a => a is null || Money.HasAtMostTwoDecimals(a.Value));
        RuleFor(r => r.PrepaidCommissionType).Must(t => t is null || EnumNames.IsName<CommissionType>(t)).WithMessage("Use 'percent' or 'fixed'.");
        RuleFor(r => r.PostpaidCommissionType).Must(t => t is null || EnumNames.IsName<CommissionType>(t)).WithMessage("Use 'percent' or 'fixed'.");
        RuleFor(r => r.Connector).NotEmpty().MaximumLength(32).When(r => r.Connector is not null);
    }
}

public sealed class RewardSettingsRequestValidator : AbstractValidator<RewardSettingsRequest>
{
    public RewardSettingsRequestValidator() => RuleFor(r => r.PointsPercent).InclusiveBetween(0m, 100m);
}

public sealed class RewardLevelRequestValidator : AbstractValidator<RewardLevelRequest>
{
    public RewardLevelRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters();
        RuleFor(r => r.MinLifetimePoints).GreaterThanOrEqualTo(0m);
    }
}

public sealed class CashbackOfferRequestValidator : AbstractValidator<CashbackOfferRequest>
{
    public CashbackOfferRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100).NoControlCharacters();
        RuleFor(r => r.OperatorCode).MaximumLength(32).NoControlCharacters();
        RuleFor(r => r.MinAmount).GreaterThanOrEqualTo(0m).Must(Money.HasAtMostTwoDecimals);
        RuleFor(r => r.Type).Must(EnumNames.IsName<CashbackType>).WithMessage("Use 'fixed' or 'percent'.");
        RuleFor(r => r.Value).GreaterThan(0m).Must(Money.HasAtMostTwoDecimals);
        RuleFor(r => r.Value).LessThanOrEqualTo(100m).When(r => EnumNames.TryParse<CashbackType>(r.Type, out var type) && type == CashbackType.Percent);
        RuleFor(r => r.MaxCashback).GreaterThan(0m).When(r => r.MaxCashback is not null);
        RuleFor(r => r.ValidUntil).GreaterThan(r => r.ValidFrom);
        RuleFor(r => r.MaxPerResellerPerDay).GreaterThan(0);
    }
}

public sealed class CompleteRechargeRequestValidator : AbstractValidator<CompleteRechargeRequest>
{
    public CompleteRechargeRequestValidator() => RuleFor(r => r.OperatorTransactionId).NotEmpty().MaximumLength(100).NoControlCharacters();
}

public sealed class FailRechargeRequestValidator : AbstractValidator<FailRechargeRequest>
{
    public FailRechargeRequestValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500).NoControlCharacters();
}

public static class RechargeAdminApi
{
    public static RouteGroupBuilder MapRechargeAdminApi(this RouteGroupBuilder admin)
    {
        var operators = admin.MapGroup("/operators").WithTags("Mobile recharge");
        operators.MapGet("/", ListOperatorsAsync);
        operators.MapPatch("/{code}", UpdateOperatorAsync).WithDescription("code as in the reseller API, URL-encoded: GP, GP%20ST, BL, RB, AT, TT.");

        var rewards = admin.MapGroup("/rewards").WithTags("Mobile recharge");
        rewards.MapGet("/settings", async (PaymentHubDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.RewardSettings.AsNoTracking().SingleAsync(s => s.Id == 1, ct)));
        rewards.MapPut("/settings", UpdateRewardSettingsAsync);
        rewards.MapGet("/levels", async (PaymentHubDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.RewardLevels.AsNoTracking().OrderBy(l => l.MinLifetimePoints).ToListAsync(ct)));
        rewards.MapPut("/levels/{id:int}", UpdateLevelAsync);

        var offers = admin.MapGroup("/cashback-offers").WithTags("Mobile recharge");
        offers.MapPost("/", CreateOfferAsync);
        offers.MapGet("/", ListOffersAsync);
        offers.MapPut("/{id:int}", UpdateOfferAsync);
        offers.MapDelete("/{id:int}", DeactivateOfferAsync).WithDescription("Deactivates the offer; grants already paid stay in the ledger.");

        var recharges = admin.MapGroup("/recharges").WithTags("Mobile recharge");
        recharges.MapGet("/", ListRechargesAsync);
        recharges.MapPost("/{orderNumber}/complete", CompleteAsync).WithDescription("Resolves a Processing recharge as Success (rewards follow).");
        recharges.MapPost("/{orderNumber}/fail", FailAsync).WithDescription("Resolves a Processing recharge as Failed and refunds it.");
        return admin;
    }

    public static async Task<Ok<List<OperatorReply>>> ListOperatorsAsync(PaymentHubDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.MobileOperators.AsNoTracking().OrderBy(o => o.SortOrder).ToListAsync(ct)).Select(ToReply).ToList());

    public static async Task<Results<Ok<OperatorReply>, ProblemHttpResult>> UpdateOperatorAsync(
        string code, UpdateOperatorRequest request, PaymentHubDbContext db, IEnumerable<IRechargeConnector> connectors,
        ActiveOperatorCache activeOperators, CancellationToken ct)
    {
        var op = await db.MobileOperators.FirstOrDefaultAsync(o => o.Code == code, ct);
        if (op is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Operator not found", detail: $"There is no operator '{code}'.");
        }
        var known = connectors.Where(c => c.IsConfigured).Select(c => c.Name).Append(ConnectorNames.Manual).ToList();
        if (request.Connector is not null && !known.Contains(request.Connector))
        {
            return TypedResults.Problem(statusCode: 400, title: "Unknown connector", detail: $"Known recharge connectors: {string.Join(", ", known)}.");
        }
        op.Name = request.Name?.Trim() ?? op.Name;
        op.Prefixes = request.Prefixes is null ? op.Prefixes : string.Join(",", request.Prefixes.Distinct());
        op.PrepaidMin = request.PrepaidMin ?? op.PrepaidMin;
        op.PrepaidMax = request.PrepaidMax ?? op.PrepaidMax;
        op.PostpaidMin = request.PostpaidMin ?? op.PostpaidMin;
        op.PostpaidMax = request.PostpaidMax ?? op.PostpaidMax;
        op.PrepaidCommissionType = EnumNames.TryParse<CommissionType>(request.PrepaidCommissionType, out var prepaidType) ? prepaidType : op.PrepaidCommissionType;
        op.PrepaidCommission = request.PrepaidCommission ?? op.PrepaidCommission;
        op.PostpaidCommissionType = EnumNames.TryParse<CommissionType>(request.PostpaidCommissionType, out var postpaidType) ? postpaidType : op.PostpaidCommissionType;
        op.PostpaidCommission = request.PostpaidCommission ?? op.PostpaidCommission;
        op.Connector = request.Connector ?? op.Connector;
        op.IsActive = request.Active ?? op.IsActive;
        var problem = op.PrepaidMax < op.PrepaidMin || op.PostpaidMax < op.PostpaidMin
            ? "Maximums must not be below minimums."
            : op.CommissionProblem();
        if (problem is not null)
        {
            // Nothing is saved: the tracked changes die with this request's context.
            return TypedResults.Problem(statusCode: 400, title: "Inconsistent operator settings", detail: problem);
        }
        await db.SaveChangesAsync(ct);
        activeOperators.Clear();
        return TypedResults.Ok(ToReply(op));
    }

    public static async Task<Ok<RewardSettings>> UpdateRewardSettingsAsync(RewardSettingsRequest request, PaymentHubDbContext db, CancellationToken ct)
    {
        var settings = await db.RewardSettings.SingleAsync(s => s.Id == 1, ct);
        settings.PointsPercent = request.PointsPercent;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(settings);
    }

    public static async Task<Results<Ok<RewardLevel>, ProblemHttpResult>> UpdateLevelAsync(int id, RewardLevelRequest request, PaymentHubDbContext db, CancellationToken ct)
    {
        var level = await db.RewardLevels.FirstOrDefaultAsync(l => l.Id == id, ct);
        if (level is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Level not found");
        }
        level.Name = request.Name.Trim();
        level.MinLifetimePoints = request.MinLifetimePoints;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(level);
    }

    public static async Task<Results<Created<CashbackOfferReply>, ProblemHttpResult>> CreateOfferAsync(
        CashbackOfferRequest request, PaymentHubDbContext db, ActiveOfferCache activeOffers, TimeProvider clock, CancellationToken ct)
    {
        if (await UnknownOperatorAsync(request, db, ct) is { } unknown)
        {
            return unknown;
        }
        var offer = new CashbackOffer { Name = request.Name, CreatedAt = clock.GetUtcNow().UtcDateTime };
        Apply(offer, request);
        db.CashbackOffers.Add(offer);
        await db.SaveChangesAsync(ct);
        activeOffers.Clear();
        return TypedResults.Created($"/admin/v1/cashback-offers/{offer.Id}", CashbackOfferReply.From(offer));
    }

    public static async Task<Ok<List<CashbackOfferReply>>> ListOffersAsync(PaymentHubDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.CashbackOffers.AsNoTracking().OrderBy(o => o.Id).ToListAsync(ct)).Select(CashbackOfferReply.From).ToList());

    public static async Task<Results<Ok<CashbackOfferReply>, ProblemHttpResult>> UpdateOfferAsync(
        int id, CashbackOfferRequest request, PaymentHubDbContext db, ActiveOfferCache activeOffers, CancellationToken ct)
    {
        var offer = await db.CashbackOffers.FirstOrDefaultAsync(o => o.Id == id, ct);
        if (offer is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Offer not found");
        }
        if (await UnknownOperatorAsync(request, db, ct) is { } unknown)
        {
            return unknown;
        }
        Apply(offer, request);
        await db.SaveChangesAsync(ct);
        activeOffers.Clear();
        return TypedResults.Ok(CashbackOfferReply.From(offer));
    }

    /// <summary>An offer names an operator by its code exactly as stored (GP, GP ST, …), or none for every operator.</summary>
    private static async Task<ProblemHttpResult?> UnknownOperatorAsync(CashbackOfferRequest request, PaymentHubDbContext db, CancellationToken ct)
    {
        if (request.OperatorCode is null)
        {
            return null;
        }
        var codes = await db.MobileOperators.AsNoTracking().OrderBy(o => o.SortOrder).Select(o => o.Code).ToListAsync(ct);
        return codes.Contains(request.OperatorCode)
            ? null
            : TypedResults.Problem(statusCode: 400, title: "Unknown operator",
                detail: $"operator_code must be one of {string.Join(", ", codes)}, or null for every operator.");
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeactivateOfferAsync(
        int id, PaymentHubDbContext db, ActiveOfferCache activeOffers, CancellationToken ct)
    {
        if (await db.CashbackOffers.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.IsActive, false), ct) != 1)
        {
            return TypedResults.Problem(statusCode: 404, title: "Offer not found");
        }
        activeOffers.Clear();
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<List<RechargeAdminReply>>, ProblemHttpResult>> ListRechargesAsync(
        PaymentHubDbContext db, CancellationToken ct, string? status = null, [FromQuery(Name = "reseller_id")] int? resellerId = null, bool? flagged = null, string? phone = null, int limit = 100)
    {
        var query = db.RechargeOrders.AsNoTracking();
        if (status is not null)
        {
            if (!EnumNames.TryParse<RechargeStatus>(status, out var parsed))
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid status",
                    detail: $"Use {string.Join(", ", Enum.GetNames<RechargeStatus>())}.");
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
        if (phone is not null)
        {
            query = query.Where(o => o.Phone == phone);
        }
        var orders = await query.OrderByDescending(o => o.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(orders.Select(o => new RechargeAdminReply(o.OrderNumber, o.ResellerId, o.Phone, o.OperatorCode, o.AccountType, o.Amount,
            o.Commission, o.DebitAmount, o.Status.ToString(), o.OperatorTransactionId, o.FailureReason, o.Connector, RechargeStages.Machine.DisplayName(o.Stage), o.Attempts,
            o.FlaggedAt, o.FlagReason, o.LastError, o.CreatedAt, o.CompletedAt)).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> CompleteAsync(
        string orderNumber, CompleteRechargeRequest request, PaymentHubDbContext db, RechargeSettlement settlement, CancellationToken ct)
    {
        return await ResolveAsync(orderNumber, db, async id => await settlement.SucceedAsync(id, request.OperatorTransactionId.Trim(), null, ct) is not null, ct);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> FailAsync(
        string orderNumber, FailRechargeRequest request, PaymentHubDbContext db, RechargeSettlement settlement, CancellationToken ct)
    {
        return await ResolveAsync(orderNumber, db, async id => await settlement.FailAsync(id, request.Reason.Trim(), null, ct) is not null, ct);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ResolveAsync(
        string orderNumber, PaymentHubDbContext db, Func<long, Task<bool>> settle, CancellationToken ct)
    {
        var id = await db.RechargeOrders.Where(o => o.OrderNumber == orderNumber).Select(o => (long?)o.Id).FirstOrDefaultAsync(ct);
        if (id is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Recharge not found");
        }
        return await settle(id.Value)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: 409, title: "Recharge is not open", detail: "It is already final, or the reconciler holds it right now.");
    }

    private static void Apply(CashbackOffer offer, CashbackOfferRequest request)
    {
        offer.Name = request.Name.Trim();
        offer.OperatorCode = request.OperatorCode;
        offer.MinAmount = request.MinAmount;
        offer.Type = EnumNames.TryParse<CashbackType>(request.Type, out var type) ? type : offer.Type;
        offer.Value = request.Value;
        offer.MaxCashback = request.MaxCashback;
        offer.ValidFrom = request.ValidFrom.ToUniversalTime();
        offer.ValidUntil = request.ValidUntil.ToUniversalTime();
        offer.MaxPerResellerPerDay = request.MaxPerResellerPerDay;
        offer.IsActive = request.Active ?? true;
    }

    private static OperatorReply ToReply(MobileOperator o) => new(o.Code, o.Name, o.PrefixList, o.PrepaidMin, o.PrepaidMax, o.PostpaidMin, o.PostpaidMax,
        EnumNames.Lower(o.PrepaidCommissionType), o.PrepaidCommission, EnumNames.Lower(o.PostpaidCommissionType),
        o.PostpaidCommission, o.Connector, o.IsActive);
}
