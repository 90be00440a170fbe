using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Funding.Gateways;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;
using PaymentHub.Observability;
using PaymentHub.Webhooks;

namespace PaymentHub.Funding;

/// <summary>
/// Moves a top-up between states and credits the wallet. Every change is one conditional UPDATE on the top-up's
/// current status, so concurrent returns, IPNs, background checks and operators on several instances cannot both
/// win; the credit journal's unique (kind, reference) makes a second credit impossible in the database itself. The
/// reseller's callback event (topup.completed / topup.failed) is written to the outbox in the same transaction.
/// </summary>
public sealed partial class TopUpSettlement(
    PaymentHubDbContext db, LedgerService ledger, HouseAccounts house, WebhookOutbox outbox, TimeProvider clock, ILogger<TopUpSettlement> logger)
{
    /// <summary>States from which a payment the gateway verifies (or an operator confirms) is credited.</summary>
    public static readonly TopUpStatus[] Creditable =
        [TopUpStatus.Initiating, TopUpStatus.Pending, TopUpStatus.Review, TopUpStatus.Expired, TopUpStatus.Failed, TopUpStatus.Cancelled];

    private static readonly TopUpStatus[] Open = [TopUpStatus.Initiating, TopUpStatus.Pending, TopUpStatus.Review, TopUpStatus.Expired];

    /// <summary>Applies what the gateway said. Returns the top-up as it is now.</summary>
    public async Task<TopUp> ApplyAsync(TopUp topUp, GatewayCheck check, FundingSource source, CancellationToken ct)
    {
        switch (check.Outcome)
        {
            case GatewayCheckOutcome.Paid:
                var mismatch = Mismatch(topUp, check);
                if (mismatch is null)
                {
                    await CreditAsync(topUp, check, source, approver: null, note: null, Creditable, ct);
                }
                else
                {
                    LogMismatch(topUp.Reference, mismatch);
                    await ReviewAsync(topUp, mismatch, check, recheckAt: null, ct);
                }
                break;
            case GatewayCheckOutcome.Failed or GatewayCheckOutcome.Cancelled:
                var status = check.Outcome == GatewayCheckOutcome.Cancelled ? TopUpStatus.Cancelled : TopUpStatus.Failed;
                await CloseAsync(topUp, status, check.Message, check, Open, ct);
                break;
            case GatewayCheckOutcome.Pending:
                await RecordGatewayAnswerAsync(topUp, check, ct);
                break;
            case GatewayCheckOutcome.UnknownPayment or GatewayCheckOutcome.Unavailable:
                // Nothing can be concluded; the caller decides whether this goes to review.
                break;
        }
        return await ReloadAsync(topUp.Id, ct);
    }

    public Task<TopUp> ReloadAsync(long id, CancellationToken ct) => db.TopUps.AsNoTracking().SingleAsync(t => t.Id == id, ct);

    /// <summary>Why a "paid" answer must not be credited, or null when it matches the top-up.</summary>
    public static string? Mismatch(TopUp topUp, GatewayCheck check)
    {
        if (check.Amount is not { } paid)
        {
            return "The gateway reported the payment without an amount.";
        }
        if (decimal.Round(paid, 2) != paid || paid != topUp.Amount)
        {
            return $"The gateway reports {paid:0.00##} paid for a top-up of {Money.Format(topUp.Amount)} {topUp.Currency}.";
        }
        // shurjoPay settles in BDT or USD, so its answer must name the currency; SecureSoftPay's checkout has no currency at all.
        if (check.Currency is null && topUp.Gateway == FundingGateway.ShurjoPay)
        {
            return "The gateway reported the payment without a currency.";
        }
        if (check.Currency is { } currency && !string.Equals(currency.Trim(), topUp.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return $"The gateway reports the payment in {currency}, the top-up is in {topUp.Currency}.";
        }
        if (check.TopUpReference is { } reference && !string.Equals(reference, topUp.Reference, StringComparison.Ordinal))
        {
            return $"The gateway reports this payment for order {reference}, not {topUp.Reference}.";
        }
        return null;
    }

    /// <summary>Credits the wallet once: the top-up's status moves to Completed and the journal is written in one transaction.</summary>
    /// <param name="approver">The operator who approved it, for <see cref="FundingSource.Approval"/>.</param>
    public async Task<bool> CreditAsync(
        TopUp topUp, GatewayCheck? check, FundingSource source, string? approver, string? note, TopUpStatus[] from, CancellationToken ct)
    {
        var settings = await db.FundingGateways.AsNoTracking().SingleAsync(g => g.Gateway == topUp.Gateway, ct);
        var walletId = await db.Resellers.Where(r => r.Id == topUp.ResellerId).Select(r => r.WalletAccountId).SingleAsync(ct);
        var fee = settings.FeeFor(topUp.Amount);
        var now = clock.GetUtcNow().UtcDateTime;
        var by = source == FundingSource.Approval ? $"approved by {approver ?? "an operator"}" : source.ToString().ToLowerInvariant();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.TopUps.Where(t => t.Id == topUp.Id && from.Contains(t.Status)).ExecuteUpdateAsync(s =>
        {
            s.SetProperty(t => t.Status, TopUpStatus.Completed)
                .SetProperty(t => t.Fee, fee)
                .SetProperty(t => t.CompletedAt, now)
                .SetProperty(t => t.UpdatedAt, now)
                .SetProperty(t => t.NextCheckAt, (DateTime?)null);
            if (check is not null)
            {
                s.SetProperty(t => t.GatewayCode, check.Code)
                    .SetProperty(t => t.GatewayMessage, Truncate(check.Message, 500))
                    .SetProperty(t => t.VerifiedAmount, check.Amount)
                    .SetProperty(t => t.PaymentMethod, Truncate(check.Method, 64));
            }
            if (note is not null)
            {
                s.SetProperty(t => t.Note, Truncate(note, 500));
            }
        }, ct);
        if (claimed == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }
        try
        {
            var journal = await ledger.PostAsync(JournalKind.TopUpCredit, topUp.Reference,
                $"Top-up {topUp.Reference} via {topUp.Gateway} ({by})",
                [
                    new Posting(walletId, topUp.Amount),
                    new Posting(house[LedgerAccountKind.GatewayClearing], -(topUp.Amount - fee)),
                    new Posting(house[LedgerAccountKind.GatewayFeeExpense], -fee),
                ], ct);
            var credited = await ReloadAsync(topUp.Id, ct);
            await outbox.EnqueueAsync(db, credited.ResellerId, WebhookEvents.TopUpCompleted, credited.Reference, TopUpCodes.Describe(credited), ct);
            await db.SaveChangesAsync(ct);
            await db.TopUps.Where(t => t.Id == topUp.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.CreditJournalId, journal.Id), ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            // Another instance credited it first; its transaction holds the journal.
            db.ChangeTracker.Clear();
            await tx.RollbackAsync(ct);
            return false;
        }
        LogCredited(topUp.Reference, topUp.Amount, fee, by);
        PaymentHubMetrics.TopUp(topUp.Gateway.ToString(), nameof(TopUpStatus.Completed));
        return true;
    }

    public async Task<bool> ReviewAsync(TopUp topUp, string reason, GatewayCheck? check, DateTime? recheckAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var moved = await db.TopUps.Where(t => t.Id == topUp.Id && (Open.Contains(t.Status) || t.Status == TopUpStatus.Cancelled))
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(t => t.Status, TopUpStatus.Review)
                    .SetProperty(t => t.ReviewReason, Truncate(reason, 500))
                    .SetProperty(t => t.NextCheckAt, recheckAt)
                    .SetProperty(t => t.UpdatedAt, now);
                if (check is not null)
                {
                    s.SetProperty(t => t.GatewayCode, check.Code)
                        .SetProperty(t => t.GatewayMessage, Truncate(check.Message, 500))
                        .SetProperty(t => t.VerifiedAmount, check.Amount);
                }
            }, ct);
        if (moved == 1)
        {
            LogReview(topUp.Reference, reason);
            PaymentHubMetrics.TopUp(topUp.Gateway.ToString(), nameof(TopUpStatus.Review));
        }
        return moved == 1;
    }

    /// <summary>Closes an open top-up; a reseller who could see it as pending gets topup.failed in the same transaction.</summary>
    public Task<bool> CloseAsync(TopUp topUp, TopUpStatus status, string note, GatewayCheck? check, TopUpStatus[] from, CancellationToken ct) =>
        CloseWhereAsync(topUp.Id, db.TopUps.Where(t => t.Id == topUp.Id && from.Contains(t.Status)), status, note, check, ct);

    /// <summary>The customer cancelled on the payment page: only a Pending top-up no payment was claimed for is closed.</summary>
    public Task<bool> CancelUnclaimedAsync(TopUp topUp, string note, CancellationToken ct) =>
        CloseWhereAsync(topUp.Id, db.TopUps.Where(t => t.Id == topUp.Id && t.GatewayTransactionId == null && t.Status == TopUpStatus.Pending),
            TopUpStatus.Cancelled, note, null, ct);

    private async Task<bool> CloseWhereAsync(long id, IQueryable<TopUp> row, TopUpStatus status, string note, GatewayCheck? check, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var wasClosed = await WebhookOutbox.InTransactionAsync(db, async () =>
        {
            var before = await db.TopUps.Where(t => t.Id == id).Select(t => t.Status).SingleAsync(ct);
            var moved = await row.ExecuteUpdateAsync(s =>
            {
                s.SetProperty(t => t.Status, status)
                    .SetProperty(t => t.Note, Truncate(note, 500))
                    .SetProperty(t => t.NextCheckAt, (DateTime?)null)
                    .SetProperty(t => t.UpdatedAt, now);
                if (check is not null)
                {
                    s.SetProperty(t => t.GatewayCode, check.Code).SetProperty(t => t.GatewayMessage, Truncate(check.Message, 500));
                }
            }, ct);
            if (moved == 1 && TopUpCodes.ResellerStatus(status) != TopUpCodes.ResellerStatus(before))
            {
                var closed = await ReloadAsync(id, ct);
                await outbox.EnqueueAsync(db, closed.ResellerId, WebhookEvents.TopUpFailed, closed.Reference, TopUpCodes.Describe(closed), ct);
            }
            return moved == 1;
        }, moved => moved, ct);
        if (wasClosed)
        {
            var gateway = await db.TopUps.Where(t => t.Id == id).Select(t => t.Gateway).SingleAsync(ct);
            PaymentHubMetrics.TopUp(gateway.ToString(), status.ToString());
        }
        return wasClosed;
    }

    private async Task RecordGatewayAnswerAsync(TopUp topUp, GatewayCheck check, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.TopUps.Where(t => t.Id == topUp.Id && Open.Contains(t.Status)).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.GatewayCode, check.Code)
            .SetProperty(t => t.GatewayMessage, Truncate(check.Message, 500))
            .SetProperty(t => t.UpdatedAt, now), ct);
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    [LoggerMessage(Level = LogLevel.Information, Message = "Top-up {Reference} credited: {Amount} (gateway fee {Fee}) after {Source}")]
    private partial void LogCredited(string reference, decimal amount, decimal fee, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Top-up {Reference} not credited: {Reason}")]
    private partial void LogMismatch(string reference, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Top-up {Reference} waits for an operator: {Reason}")]
    private partial void LogReview(string reference, string reason);
}
