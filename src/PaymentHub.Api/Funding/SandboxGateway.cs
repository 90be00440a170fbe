using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Funding.Gateways;

namespace PaymentHub.Funding;

public enum SandboxAction
{
    Pay,
    Fail,
    Cancel,
}

public enum SandboxOutcome
{
    Done,
    /// <summary>No such sandbox top-up, or a token we did not sign for it.</summary>
    NotFound,
    Expired,
    /// <summary>The token was used already (or the top-up is no longer pending): nothing changed.</summary>
    AlreadyUsed,
}

/// <summary>A sandbox top-up as its checkout page shows it.</summary>
public sealed record SandboxSession(TopUp TopUp, string ResellerName)
{
    /// <summary>Whether the page still offers Pay / Fail / Cancel.</summary>
    public bool IsOpen => TopUp is { Status: TopUpStatus.Pending, GatewayTransactionId: null };
}

/// <summary>
/// The Development-only funding gateway: its payment page is PaymentHub's own (<see cref="SandboxPages"/>), where the
/// customer presses Pay, Fail or Cancel. A press claims the top-up once, by writing a sandbox transaction id into it with
/// a conditional UPDATE (so a replayed or racing press changes nothing), and is then applied by
/// <see cref="TopUpSettlement.ApplyAsync"/> exactly as a real gateway's verified answer would be.
/// </summary>
public sealed partial class SandboxGateway(
    PaymentHubDbContext db, TopUpSettlement settlement, SandboxTokens tokens, IHostEnvironment environment, TimeProvider clock,
    ILogger<SandboxGateway> logger)
{
    public const string CheckoutPath = "/payments/sandbox/checkout";

    public bool IsAvailable => IsAvailableIn(environment);

    /// <summary>Only Development: everywhere else the gateway is unknown to add_fund, the admin API and the pages.</summary>
    public static bool IsAvailableIn(IHostEnvironment environment) => environment.IsDevelopment();

    public GatewayCheckout Checkout(TopUp topUp, string baseUrl) =>
        new(true, "Sandbox checkout page", $"{baseUrl}{CheckoutPath}?token={Uri.EscapeDataString(tokens.Create(topUp.Reference, topUp.Amount, topUp.ExpiresAt))}");

    /// <summary>The top-up a token was signed for, or why there is none to show.</summary>
    public async Task<(SandboxSession? Session, SandboxOutcome Outcome)> OpenAsync(string? token, CancellationToken ct)
    {
        var (claims, problem) = tokens.Read(token, clock.GetUtcNow());
        if (claims is null)
        {
            return (null, SandboxOutcome.NotFound);
        }
        var session = await db.TopUps.AsNoTracking()
            .Where(t => t.Gateway == FundingGateway.Sandbox && t.Reference == claims.Reference)
            .Select(t => new SandboxSession(t, t.Reseller!.Name))
            .FirstOrDefaultAsync(ct);
        if (session is null || session.TopUp.Amount != claims.Amount || UnixSeconds(session.TopUp.ExpiresAt) != claims.ExpiresAtUnixSeconds)
        {
            return (null, SandboxOutcome.NotFound);
        }
        return problem == SandboxTokenProblem.Expired ? (session, SandboxOutcome.Expired) : (session, SandboxOutcome.Done);
    }

    /// <summary>Pay, Fail or Cancel pressed on the page: applied once per top-up, whatever the number of presses.</summary>
    public async Task<(TopUp? TopUp, SandboxOutcome Outcome)> DecideAsync(string? token, SandboxAction action, CancellationToken ct)
    {
        var (session, outcome) = await OpenAsync(token, ct);
        if (session is null || outcome != SandboxOutcome.Done)
        {
            return (session?.TopUp, outcome);
        }
        var topUp = session.TopUp;
        var now = clock.GetUtcNow().UtcDateTime;
        var transactionId = "SBX" + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 16);
        var claimed = await db.TopUps
            .Where(t => t.Id == topUp.Id && t.Status == TopUpStatus.Pending && t.GatewayTransactionId == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.GatewayTransactionId, transactionId).SetProperty(t => t.UpdatedAt, now), ct);
        if (claimed == 0)
        {
            LogAlreadyUsed(topUp.Reference, action);
            return (await settlement.ReloadAsync(topUp.Id, ct), SandboxOutcome.AlreadyUsed);
        }
        var check = action switch
        {
            SandboxAction.Pay => new GatewayCheck(GatewayCheckOutcome.Paid, "Paid on the sandbox checkout page (no real money).", "sandbox_paid",
                topUp.Amount, topUp.Currency, "sandbox", transactionId, topUp.Reference),
            SandboxAction.Fail => new GatewayCheck(GatewayCheckOutcome.Failed, "Failed on the sandbox checkout page.", "sandbox_failed",
                GatewayTransactionId: transactionId),
            _ => new GatewayCheck(GatewayCheckOutcome.Cancelled, "Cancelled on the sandbox checkout page.", "sandbox_cancelled",
                GatewayTransactionId: transactionId),
        };
        LogDecided(topUp.Reference, action, transactionId);
        return (await settlement.ApplyAsync(await settlement.ReloadAsync(topUp.Id, ct), check, FundingSource.Return, ct), SandboxOutcome.Done);
    }

    /// <summary>
    /// The sandbox's funding_gateways row, created at start-up in Development (enabled, 10 to 100,000, no fee) unless it
    /// exists: an operator's later changes to it are kept. Elsewhere no row is created, and one left by a Development
    /// run on the same database is ignored.
    /// </summary>
    public static async Task EnsureSettingsAsync(PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (await db.FundingGateways.AnyAsync(g => g.Gateway == FundingGateway.Sandbox, ct))
        {
            return;
        }
        db.FundingGateways.Add(new FundingGatewaySettings
        {
            Gateway = FundingGateway.Sandbox, IsEnabled = true, MinAmount = 10m, MaxAmount = 100_000m, FeePercent = 0m, FeeFixed = 0m,
            UpdatedAt = clock.GetUtcNow().UtcDateTime,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Another instance starting at the same time created it.
            db.ChangeTracker.Clear();
        }
    }

    private static long UnixSeconds(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeSeconds();

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox top-up {Reference}: {Action} pressed (sandbox transaction {TransactionId})")]
    private partial void LogDecided(string reference, SandboxAction action, string transactionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox top-up {Reference}: {Action} pressed again or too late; nothing changed")]
    private partial void LogAlreadyUsed(string reference, SandboxAction action);
}
