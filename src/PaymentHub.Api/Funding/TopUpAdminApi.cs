using Microsoft.AspNetCore.Mvc;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Resellers;

namespace PaymentHub.Funding;

public sealed record StartTopUpRequest(decimal Amount, string Gateway, string? CustomerName, string? CustomerPhone, string? CustomerEmail, string? ReturnUrl);
public sealed record TopUpDecisionRequest(string Note);
public sealed record FundingGatewayRequest(bool IsEnabled, decimal MinAmount, decimal MaxAmount, decimal FeePercent, decimal FeeFixed);

public sealed record TopUpAdminReply(
    string TopUpId, int ResellerId, string Gateway, decimal Amount, string Currency, string Status, string ResellerStatus, string? PaymentUrl,
    string? GatewayOrderId, string? GatewayTransactionId, string? GatewayCode, string? GatewayMessage, string? PaymentMethod,
    decimal? VerifiedAmount, decimal Fee, long? CreditJournalId, string? ReviewReason, string? Note, string InitiatedBy,
    DateTime CreatedAt, DateTime? CompletedAt, DateTime ExpiresAt, DateTime? NextCheckAt, int CheckAttempts);

public sealed record FundingGatewayReply(string Gateway, bool IsEnabled, bool IsConfigured, decimal MinAmount, decimal MaxAmount, decimal FeePercent, decimal FeeFixed);

public sealed class StartTopUpRequestValidator : AbstractValidator<StartTopUpRequest>
{
    public StartTopUpRequestValidator()
    {
        RuleFor(r => r.Amount).GreaterThan(0m).LessThanOrEqualTo(Money.Ceiling)
            .Must(Money.HasAtMostTwoDecimals).WithMessage("Amount has at most two decimal places.");
        RuleFor(r => r.Gateway).NotEmpty().Must(g => TopUpCodes.ParseGateway(g) is not null).WithMessage("Use shurjopay or securesoftpay.");
        RuleFor(r => r.CustomerName).MaximumLength(100).NoControlCharacters();
        RuleFor(r => r.CustomerPhone).Matches(@"^\+?[0-9]{6,15}\z").When(r => r.CustomerPhone is not null);
        RuleFor(r => r.CustomerEmail).EmailAddress().MaximumLength(200).NoControlCharacters().When(r => r.CustomerEmail is not null);
        RuleFor(r => r.ReturnUrl).Must(u => TopUpCodes.IsSafeReturnUrl(u!)).When(r => r.ReturnUrl is not null)
            .WithMessage("An absolute http(s) URL of at most 500 characters.");
    }
}

public sealed class TopUpDecisionRequestValidator : AbstractValidator<TopUpDecisionRequest>
{
    public TopUpDecisionRequestValidator() => RuleFor(r => r.Note).NotEmpty().MaximumLength(500).NoControlCharacters();
}

public sealed class FundingGatewayRequestValidator : AbstractValidator<FundingGatewayRequest>
{
    public FundingGatewayRequestValidator()
    {
        RuleFor(r => r.MinAmount).GreaterThan(0m).Must(Money.HasAtMostTwoDecimals).WithMessage("At most two decimal places.");
        RuleFor(r => r.MaxAmount).GreaterThanOrEqualTo(r => r.MinAmount).LessThanOrEqualTo(Money.Ceiling)
            .Must(Money.HasAtMostTwoDecimals).WithMessage("At most two decimal places.");
        RuleFor(r => r.FeePercent).InclusiveBetween(0m, 100m).Must(Money.HasAtMostTwoDecimals).WithMessage("At most two decimal places.");
        RuleFor(r => r.FeeFixed).GreaterThanOrEqualTo(0m).LessThanOrEqualTo(1_000_000m)
            .Must(Money.HasAtMostTwoDecimals).WithMessage("At most two decimal places.");
    }
}

public static class TopUpAdminApi
{
    public static RouteGroupBuilder MapTopUpAdminApi(this RouteGroupBuilder admin)
    {
        var topUps = admin.MapGroup("/topups").WithTags("Wallet top-ups");
        topUps.MapGet("/", ListAsync).WithDescription(
            "Top-ups, newest first, with their gateway references. Filters: status (Initiating, Pending, Review, Completed, Failed, Cancelled, Expired, Rejected), reseller_id, gateway. status=Review is the operator's review queue.");
        topUps.MapGet("/{topUpId}", GetAsync);
        topUps.MapPost("/{topUpId}/approve", ApproveAsync)
            .WithDescription("Credits the top-up's amount to the wallet (once), e.g. after checking the gateway's merchant panel. Not for Completed or Rejected top-ups.");
        topUps.MapPost("/{topUpId}/reject", RejectAsync).WithDescription("Refuses a top-up that is not Completed; it is never credited afterwards.");
        topUps.MapPost("/{topUpId}/recheck", RecheckAsync).WithDescription("Asks the gateway about the payment now and applies the answer.");
        admin.MapPost("/resellers/{id:int}/topups", StartAsync).WithTags("Wallet top-ups")
            .WithDescription("Starts a top-up for a reseller; hand the payment_url to whoever pays.");

        var gateways = admin.MapGroup("/funding-gateways").WithTags("Wallet top-ups");
        gateways.MapGet("/", ListGatewaysAsync);
        gateways.MapPut("/{gateway}", UpdateGatewayAsync).WithDescription("Turns a gateway on or off and sets its limits and the fee it keeps (booked as the operator's expense).");
        return topUps;
    }

    public static async Task<Results<Ok<List<TopUpAdminReply>>, ProblemHttpResult>> ListAsync(
        PaymentHubDbContext db, CancellationToken ct, string? status = null, [FromQuery(Name = "reseller_id")] int? resellerId = null, string? gateway = null, int limit = 100)
    {
        var query = db.TopUps.AsNoTracking();
        if (status is not null)
        {
            if (!EnumNames.TryParse<TopUpStatus>(status, out var parsed))
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid status", detail: $"Use one of {string.Join(", ", Enum.GetNames<TopUpStatus>())}.");
            }
            query = query.Where(t => t.Status == parsed);
        }
        if (resellerId is not null)
        {
            query = query.Where(t => t.ResellerId == resellerId);
        }
        if (gateway is not null)
        {
            if (TopUpCodes.ParseGateway(gateway) is not { } parsedGateway)
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid gateway", detail: "Use shurjopay or securesoftpay.");
            }
            query = query.Where(t => t.Gateway == parsedGateway);
        }
        var list = await query.OrderByDescending(t => t.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(list.Select(ToReply).ToList());
    }

    public static async Task<Results<Ok<TopUpAdminReply>, ProblemHttpResult>> GetAsync(string topUpId, PaymentHubDbContext db, CancellationToken ct)
    {
        var topUp = await FindAsync(db, topUpId, ct);
        return topUp is null ? NotFound(topUpId) : TypedResults.Ok(ToReply(topUp));
    }

    public static async Task<Results<Created<TopUpAdminReply>, ProblemHttpResult>> StartAsync(
        int id, StartTopUpRequest request, HttpContext http, PaymentHubDbContext db, TopUpGateways gateways, IOptions<FundingOptions> options,
        CancellationToken ct)
    {
        var reseller = await db.Resellers.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.Id, r.Name, r.Status }).FirstOrDefaultAsync(ct);
        if (reseller is null)
        {
            return ResellerAdminApi.NotFound(id);
        }
        if (reseller.Status != Resellers.ResellerStatus.Active)
        {
            return TypedResults.Problem(statusCode: 409, title: "Reseller suspended", detail: "A suspended reseller's wallet cannot be funded.");
        }
        if (FundingPublicUrl.For(http, options.Value) is not { } publicBase)
        {
            return TypedResults.Problem(statusCode: 422, title: "Gateway not available", detail: FundingPublicUrl.NotConfigured);
        }
        var result = await gateways.StartAsync(new TopUpStartRequest(reseller.Id, reseller.Name, TopUpCodes.ParseGateway(request.Gateway)!.Value,
            request.Amount, new TopUpCustomer(request.CustomerName, request.CustomerPhone, request.CustomerEmail, null, null), request.ReturnUrl,
            $"admin:{http.User.Identity?.Name ?? "unknown"}", http.Connection.RemoteIpAddress?.ToString()), publicBase, ct);
        return result.Error switch
        {
            TopUpStartError.None => TypedResults.Created($"/admin/v1/topups/{result.TopUp!.Reference}", ToReply(result.TopUp)),
            TopUpStartError.AmountOutOfRange => TypedResults.Problem(statusCode: 422, title: "Amount out of range",
                detail: $"This gateway accepts {Money.Format(result.MinAmount!.Value)} to {Money.Format(result.MaxAmount!.Value)}."),
            TopUpStartError.GatewayUnavailable => TypedResults.Problem(statusCode: 422, title: "Gateway not available",
                detail: "The gateway is turned off or not configured (Connectors section)."),
            _ => TypedResults.Problem(statusCode: 502, title: "Gateway refused", detail: result.Message),
        };
    }

    public static async Task<Results<Ok<TopUpAdminReply>, ProblemHttpResult>> ApproveAsync(
        string topUpId, TopUpDecisionRequest request, HttpContext http, PaymentHubDbContext db, TopUpSettlement settlement, CancellationToken ct)
    {
        var topUp = await FindAsync(db, topUpId, ct);
        if (topUp is null)
        {
            return NotFound(topUpId);
        }
        var credited = await settlement.CreditAsync(topUp, null, FundingSource.Approval, http.User.Identity?.Name,
            request.Note.Trim(), TopUpSettlement.Creditable, ct);
        return credited
            ? TypedResults.Ok(ToReply(await settlement.ReloadAsync(topUp.Id, ct)))
            : TypedResults.Problem(statusCode: 409, title: "Top-up already final", detail: $"Top-up {topUpId} is already Completed or Rejected.");
    }

    public static async Task<Results<Ok<TopUpAdminReply>, ProblemHttpResult>> RejectAsync(
        string topUpId, TopUpDecisionRequest request, PaymentHubDbContext db, TopUpSettlement settlement, CancellationToken ct)
    {
        var topUp = await FindAsync(db, topUpId, ct);
        if (topUp is null)
        {
            return NotFound(topUpId);
        }
        var rejected = await settlement.CloseAsync(topUp, TopUpStatus.Rejected, request.Note.Trim(), null,
            TopUpSettlement.Creditable, ct);
        return rejected
            ? TypedResults.Ok(ToReply(await settlement.ReloadAsync(topUp.Id, ct)))
            : TypedResults.Problem(statusCode: 409, title: "Top-up already final", detail: $"Top-up {topUpId} is already Completed or Rejected.");
    }

    public static async Task<Results<Ok<TopUpAdminReply>, ProblemHttpResult>> RecheckAsync(
        string topUpId, PaymentHubDbContext db, TopUpGateways gateways, CancellationToken ct)
    {
        var topUp = await FindAsync(db, topUpId, ct);
        if (topUp is null)
        {
            return NotFound(topUpId);
        }
        if (topUp.Status is TopUpStatus.Completed or TopUpStatus.Rejected)
        {
            return TypedResults.Ok(ToReply(topUp));
        }
        return TypedResults.Ok(ToReply(await gateways.CheckAsync(topUp, FundingSource.Operator, ct)));
    }

    public static async Task<Ok<List<FundingGatewayReply>>> ListGatewaysAsync(
        PaymentHubDbContext db, TopUpGateways gateways, IHostEnvironment environment, IOptions<FundingOptions> options, CancellationToken ct)
    {
        var all = await db.FundingGateways.AsNoTracking().ToListAsync(ct);
        // A sandbox row left by a Development run on this database is no gateway here.
        all.RemoveAll(g => g.Gateway == FundingGateway.Sandbox && !SandboxGateway.IsAvailableIn(environment));
        var offered = FundingPublicUrl.IsAvailable(environment, options.Value);
        return TypedResults.Ok(all.OrderBy(g => g.Gateway).Select(g => ToReply(g, gateways, offered)).ToList());
    }

    public static async Task<Results<Ok<FundingGatewayReply>, ProblemHttpResult>> UpdateGatewayAsync(
        string gateway, FundingGatewayRequest request, PaymentHubDbContext db, TopUpGateways gateways, IHostEnvironment environment,
        IOptions<FundingOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var settings = TopUpCodes.ParseGateway(gateway) is { } parsed && (parsed != FundingGateway.Sandbox || SandboxGateway.IsAvailableIn(environment))
            ? await db.FundingGateways.FirstOrDefaultAsync(g => g.Gateway == parsed, ct)
            : null;
        if (settings is null)
        {
            return TypedResults.Problem(statusCode: 404, title: "Gateway not found", detail: "Use shurjopay or securesoftpay.");
        }
        settings.IsEnabled = request.IsEnabled;
        settings.MinAmount = request.MinAmount;
        settings.MaxAmount = request.MaxAmount;
        settings.FeePercent = request.FeePercent;
        settings.FeeFixed = request.FeeFixed;
        settings.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToReply(settings, gateways, FundingPublicUrl.IsAvailable(environment, options.Value)));
    }

    private static Task<TopUp?> FindAsync(PaymentHubDbContext db, string topUpId, CancellationToken ct) =>
        db.TopUps.AsNoTracking().FirstOrDefaultAsync(t => t.Reference == topUpId, ct);

    private static ProblemHttpResult NotFound(string topUpId) =>
        TypedResults.Problem(statusCode: 404, title: "Top-up not found", detail: $"There is no top-up {topUpId}.");

    /// <param name="offered">Whether top-ups can be offered at all (<see cref="FundingPublicUrl.IsAvailable"/>).</param>
    private static FundingGatewayReply ToReply(FundingGatewaySettings g, TopUpGateways gateways, bool offered) => new(
        TopUpCodes.GatewayCodes[g.Gateway], g.IsEnabled, offered && gateways.IsConfigured(g.Gateway), g.MinAmount, g.MaxAmount, g.FeePercent, g.FeeFixed);

    private static TopUpAdminReply ToReply(TopUp t) => new(
        t.Reference, t.ResellerId, TopUpCodes.GatewayCodes[t.Gateway], t.Amount, t.Currency, t.Status.ToString(), TopUpCodes.ResellerStatus(t.Status),
        t.PaymentUrl, t.GatewayOrderId, t.GatewayTransactionId, t.GatewayCode, t.GatewayMessage, t.PaymentMethod, t.VerifiedAmount, t.Fee,
        t.CreditJournalId, t.ReviewReason, t.Note, t.InitiatedBy, t.CreatedAt, t.CompletedAt, t.ExpiresAt, t.NextCheckAt, t.CheckAttempts);
}
