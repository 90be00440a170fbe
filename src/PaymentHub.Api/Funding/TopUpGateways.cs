using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Connectors.SecureSoftPay;
using PaymentHub.Connectors.ShurjoPay;
using PaymentHub.Data;
using PaymentHub.Funding.Gateways;

namespace PaymentHub.Funding;

public sealed class FundingOptions
{
    public const string Section = "Funding";

    /// <summary>Our address as the customer's browser sees it (for the gateways' return URLs). Empty: the request's own host.</summary>
    public string? PublicBaseUrl { get; set; }
    /// <summary>A top-up not paid within this time expires (a payment verified later still completes it).</summary>
    public double PendingMinutes { get; set; } = 60;
    /// <summary>First background check of a pending payment; the delay doubles per check up to <see cref="MaxCheckDelaySeconds"/>.</summary>
    public double FirstCheckSeconds { get; set; } = 60;
    public double MaxCheckDelaySeconds { get; set; } = 900;
    public int PollIntervalMs { get; set; } = 5000;
    public int BatchSize { get; set; } = 50;
    public bool WatcherEnabled { get; set; } = true;
}

public sealed record TopUpCustomer(string? Name, string? Phone, string? Email, string? Address, string? City, string? PostCode = null);

public sealed record TopUpStartRequest(
    int ResellerId, string ResellerName, FundingGateway Gateway, decimal Amount, TopUpCustomer Customer, string? ReturnUrl,
    string InitiatedBy, string? ClientIp);

public enum TopUpStartError
{
    None,
    GatewayUnavailable,
    AmountOutOfRange,
    GatewayRefused,
}

public sealed record TopUpStartResult(TopUp? TopUp, TopUpStartError Error, string? Message = null, decimal? MinAmount = null, decimal? MaxAmount = null);

/// <summary>
/// Talks to the two funding gateways for a top-up: starts the payment, and turns a return, an IPN or a background
/// check into a server-side verification whose answer <see cref="TopUpSettlement"/> applies. Nothing here trusts the browser.
/// </summary>
public sealed partial class TopUpGateways(
    PaymentHubDbContext db,
    TopUpSettlement settlement,
    ShurjoPayClient shurjoPay,
    SecureSoftPayClient secureSoftPay,
    SandboxGateway sandbox,
    IOptions<FundingOptions> options,
    TimeProvider clock,
    ILogger<TopUpGateways> logger)
{
    private readonly FundingOptions _options = options.Value;

    public bool IsConfigured(FundingGateway gateway) => gateway switch
    {
        FundingGateway.ShurjoPay => shurjoPay.IsConfigured,
        FundingGateway.SecureSoftPay => secureSoftPay.IsConfigured,
        FundingGateway.Sandbox => sandbox.IsAvailable,
        _ => false,
    };

    /// <summary>The gateway codes add_fund names as allowed: the sandbox only where it exists.</summary>
    public IEnumerable<string> OfferedCodes =>
        TopUpCodes.GatewayCodes.Where(g => g.Key != FundingGateway.Sandbox || sandbox.IsAvailable).Select(g => g.Value);

    public async Task<TopUpStartResult> StartAsync(TopUpStartRequest request, string publicBaseUrl, CancellationToken ct)
    {
        var settings = await db.FundingGateways.AsNoTracking().FirstOrDefaultAsync(g => g.Gateway == request.Gateway, ct);
        if (settings is not { IsEnabled: true } || !IsConfigured(request.Gateway))
        {
            return new TopUpStartResult(null, TopUpStartError.GatewayUnavailable, "This payment gateway is not available.");
        }
        if (request.Amount < settings.MinAmount || request.Amount > settings.MaxAmount)
        {
            return new TopUpStartResult(null, TopUpStartError.AmountOutOfRange, "Invalid amount.", settings.MinAmount, settings.MaxAmount);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var topUp = NewTopUp(request, now);
        db.TopUps.Add(topUp);
        await db.SaveChangesAsync(ct);

        var checkout = await CheckoutAsync(request, topUp, publicBaseUrl.TrimEnd('/'), ct);

        if (!checkout.Succeeded)
        {
            // No payment page was handed out, so nothing can be paid on it: the top-up fails without touching money.
            await settlement.CloseAsync(topUp, TopUpStatus.Failed, checkout.Message, null, [TopUpStatus.Initiating], ct);
            LogStartFailed(topUp.Reference, request.Gateway, checkout.Message);
            return new TopUpStartResult(await settlement.ReloadAsync(topUp.Id, ct), TopUpStartError.GatewayRefused, checkout.Message);
        }

        topUp.Status = TopUpStatus.Pending;
        topUp.PaymentUrl = checkout.PaymentUrl;
        topUp.GatewayOrderId = checkout.GatewayOrderId;
        topUp.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        // shurjoPay can be asked about the order; SecureSoftPay only once the browser brought a transaction id; the
        // sandbox never (an unanswered one is only expired).
        topUp.NextCheckAt = request.Gateway == FundingGateway.ShurjoPay ? now.AddSeconds(_options.FirstCheckSeconds) : topUp.ExpiresAt;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            db.ChangeTracker.Clear();
            await settlement.CloseAsync(topUp, TopUpStatus.Failed, "The gateway returned an order id already in use.", null, [TopUpStatus.Initiating], ct);
            return new TopUpStartResult(null, TopUpStartError.GatewayRefused, "The gateway returned an order id already in use.");
        }
        LogStarted(topUp.Reference, request.Gateway, topUp.Amount);
        return new TopUpStartResult(topUp, TopUpStartError.None);
    }

    private TopUp NewTopUp(TopUpStartRequest request, DateTime now) =>
        new()
        {
            Reference = NewReference(),
            ResellerId = request.ResellerId,
            Gateway = request.Gateway,
            Amount = request.Amount,
            Currency = "BDT",
            Status = TopUpStatus.Initiating,
            ReturnUrl = request.ReturnUrl,
            CustomerName = request.Customer.Name,
            CustomerPhone = request.Customer.Phone,
            CustomerEmail = request.Customer.Email,
            InitiatedBy = request.InitiatedBy,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now.AddMinutes(_options.PendingMinutes),
            // Should this instance die before the gateway answers, the watcher expires it.
            NextCheckAt = now.AddMinutes(_options.PendingMinutes),
        };

    /// <summary>The gateway's payment page for the top-up (its return and cancel pages under <paramref name="baseUrl"/>).</summary>
    private Task<GatewayCheckout> CheckoutAsync(TopUpStartRequest request, TopUp topUp, string baseUrl, CancellationToken ct) =>
        request.Gateway switch
        {
            FundingGateway.ShurjoPay => shurjoPay.InitiateAsync(topUp.Reference, topUp.Amount, topUp.Currency,
                $"{baseUrl}/payments/shurjopay/return", $"{baseUrl}/payments/shurjopay/cancel?topup={topUp.Reference}",
                new ShurjoPayCustomer(
                    request.Customer.Name ?? request.ResellerName,
                    request.Customer.Phone ?? "01700000000",
                    request.Customer.Email,
                    request.Customer.Address ?? "Bangladesh",
                    request.Customer.City ?? "Dhaka",
                    request.Customer.PostCode ?? "1000",
                    request.ClientIp ?? "127.0.0.1"), ct),
            FundingGateway.Sandbox => Task.FromResult(sandbox.Checkout(topUp, baseUrl)),
            _ => secureSoftPay.CheckoutAsync(topUp.Amount, request.Customer.Name ?? request.ResellerName, request.Customer.Email,
                $"{baseUrl}/payments/securesoftpay/return?topup={topUp.Reference}",
                $"{baseUrl}/payments/securesoftpay/cancel?topup={topUp.Reference}", topUp.Reference, ct),
        };

    /// <summary>The customer's return or shurjoPay's IPN: both only trigger a verification. Null when the order is not ours.</summary>
    public async Task<TopUp?> ShurjoPayCallbackAsync(string spOrderId, FundingSource source, CancellationToken ct)
    {
        var topUp = await db.TopUps.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Gateway == FundingGateway.ShurjoPay && t.GatewayOrderId == spOrderId, ct);
        if (topUp is null)
        {
            LogUnknownCallback(FundingGateway.ShurjoPay, source);
            return null;
        }
        if (topUp.Status is TopUpStatus.Completed or TopUpStatus.Rejected)
        {
            return topUp;
        }
        return await CheckAsync(topUp, source, ct);
    }

    /// <summary>
    /// The customer left shurjoPay's page by its cancel button. That proves nothing (the payment may have gone through in
    /// another tab), so the top-up is verified like a return; our reference finds it whether or not shurjoPay adds its order id.
    /// </summary>
    public async Task<TopUp?> ShurjoPayCancelAsync(string reference, CancellationToken ct)
    {
        var topUp = await db.TopUps.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Gateway == FundingGateway.ShurjoPay && t.Reference == reference, ct);
        if (topUp is null)
        {
            LogUnknownCallback(FundingGateway.ShurjoPay, FundingSource.Cancel);
            return null;
        }
        return topUp.Status is TopUpStatus.Completed or TopUpStatus.Rejected ? topUp : await CheckAsync(topUp, FundingSource.Cancel, ct);
    }

    /// <summary>The browser's return from SecureSoftPay with a transaction id: claimed once, then verified server-side.</summary>
    public async Task<(TopUp? TopUp, string? Problem)> SecureSoftPayReturnAsync(string reference, string? transactionId, CancellationToken ct)
    {
        var topUp = await db.TopUps.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Gateway == FundingGateway.SecureSoftPay && t.Reference == reference, ct);
        if (topUp is null)
        {
            LogUnknownCallback(FundingGateway.SecureSoftPay, FundingSource.Return);
            return (null, null);
        }
        if (topUp.Status is TopUpStatus.Completed or TopUpStatus.Rejected)
        {
            return (topUp, null);
        }
        if (GatewayTransactionIds.Canonicalize(transactionId) is not { } paymentId)
        {
            return (topUp, "The gateway did not confirm a payment.");
        }

        if (topUp.GatewayTransactionId is null)
        {
            // Upper() also finds an id stored before ids were kept in canonical form.
            // ToUpper() is translated to SQL's upper(); string.Equals with a comparison (CA1862) has no translation.
#pragma warning disable CA1862
            if (await db.TopUps.AnyAsync(t => t.Gateway == FundingGateway.SecureSoftPay && t.GatewayTransactionId!.ToUpper() == paymentId, ct))
#pragma warning restore CA1862
            {
                LogTransactionReused(topUp.Reference);
                return (topUp, "This payment reference was already used.");
            }
            try
            {
                await db.TopUps.Where(t => t.Id == topUp.Id && t.GatewayTransactionId == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.GatewayTransactionId, paymentId), ct);
            }
            catch (Exception ex) when (DbErrors.IsUniqueViolation(ex))
            {
                LogTransactionReused(topUp.Reference);
                return (topUp, "This payment reference was already used.");
            }
            topUp = await settlement.ReloadAsync(topUp.Id, ct);
        }
        if (!GatewayTransactionIds.Same(topUp.GatewayTransactionId, paymentId))
        {
            LogTransactionReused(topUp.Reference);
            return (topUp, "This top-up is tied to another payment.");
        }
        var checkedTopUp = await CheckAsync(topUp, FundingSource.Return, ct);
        return (checkedTopUp, checkedTopUp.GatewayTransactionId is null
            ? "The gateway does not know this payment."
            : null);
    }

    /// <summary>The customer cancelled on SecureSoftPay's page (no id comes back). Only a top-up no payment was claimed for is closed.</summary>
    public async Task<TopUp?> SecureSoftPayCancelAsync(string reference, CancellationToken ct)
    {
        var topUp = await db.TopUps.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Gateway == FundingGateway.SecureSoftPay && t.Reference == reference, ct);
        if (topUp is null)
        {
            return null;
        }
        if (topUp.GatewayTransactionId is null)
        {
            await settlement.CancelUnclaimedAsync(topUp, "Cancelled by the customer on the payment page.", ct);
        }
        return await settlement.ReloadAsync(topUp.Id, ct);
    }

    /// <summary>Asks the gateway about a top-up and applies the answer. Used by returns, IPNs, the watcher and operators.</summary>
    public async Task<TopUp> CheckAsync(TopUp topUp, FundingSource source, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        switch (topUp.Gateway)
        {
            case FundingGateway.ShurjoPay when topUp.GatewayOrderId is { } spOrderId:
            {
                var check = source == FundingSource.Watcher
                    ? await shurjoPay.PaymentStatusAsync(spOrderId, ct)
                    : await shurjoPay.VerifyAsync(spOrderId, ct);
                if (check.Outcome == GatewayCheckOutcome.Unavailable)
                {
                    // It stays pending; the watcher asks again soon.
                    await db.TopUps.Where(t => t.Id == topUp.Id && (t.Status == TopUpStatus.Pending || t.Status == TopUpStatus.Initiating))
                        .ExecuteUpdateAsync(s => s.SetProperty(t => t.NextCheckAt, now.AddSeconds(_options.FirstCheckSeconds)), ct);
                }
                return await settlement.ApplyAsync(topUp, check, source, ct);
            }
            case FundingGateway.SecureSoftPay when topUp.GatewayTransactionId is { } transactionId:
            {
                var check = await secureSoftPay.VerifyAsync(transactionId, ct);
                switch (check.Outcome)
                {
                    case GatewayCheckOutcome.UnknownPayment:
                        // A transaction id the gateway does not know proves nothing: release it, so the real return can still come.
                        LogUnverifiedTransaction(topUp.Reference);
                        await db.TopUps.Where(t => t.Id == topUp.Id && t.GatewayTransactionId == transactionId && t.Status != TopUpStatus.Completed)
                            .ExecuteUpdateAsync(s => s.SetProperty(t => t.GatewayTransactionId, (string?)null), ct);
                        return await settlement.ReloadAsync(topUp.Id, ct);
                    case GatewayCheckOutcome.Unavailable:
                        await settlement.ReviewAsync(topUp, $"Payment {transactionId} could not be verified: {check.Message}", check,
                            secureSoftPay.CanVerify ? now.AddSeconds(_options.FirstCheckSeconds) : null, ct);
                        return await settlement.ReloadAsync(topUp.Id, ct);
                    default:
                        return await settlement.ApplyAsync(topUp, check, source, ct);
                }
            }
            default:
                return topUp;
        }
    }

    public static string NewReference() =>
        "TU" + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 14);

    [LoggerMessage(Level = LogLevel.Information, Message = "Top-up {Reference} started at {Gateway} for {Amount}")]
    private partial void LogStarted(string reference, FundingGateway gateway, decimal amount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Top-up {Reference} could not start at {Gateway}: {Message}")]
    private partial void LogStartFailed(string reference, FundingGateway gateway, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Gateway} {Source} for an order we never created: ignored")]
    private partial void LogUnknownCallback(FundingGateway gateway, FundingSource source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Top-up {Reference}: a transaction id already used elsewhere was presented; ignored")]
    private partial void LogTransactionReused(string reference);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Top-up {Reference}: the gateway does not know the presented transaction id; nothing credited")]
    private partial void LogUnverifiedTransaction(string reference);
}
