using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Fulfilment;

namespace PaymentHub.Funding;

/// <summary>
/// Asks the gateways again about top-ups still open (shurjoPay's <c>payment-status</c>, SecureSoftPay's verify after
/// an unavailable verification) until they are final or expire. Several instances may run it: each check is claimed
/// by moving its due time with a conditional UPDATE, and the settlement itself is safe against races.
/// </summary>
public sealed partial class TopUpWatcher(
    IServiceScopeFactory scopes, IOptions<FundingOptions> options, TimeProvider clock, ILogger<TopUpWatcher> logger) : BackgroundService
{
    private readonly FundingOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.WatcherEnabled)
        {
            return;
        }
        await PollingLoop.RunAsync(RunOnceAsync, TimeSpan.FromMilliseconds(_options.PollIntervalMs), clock,
            ex => LogLoopFailed(logger, ex), stoppingToken);
    }

    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
        var gateways = scope.ServiceProvider.GetRequiredService<TopUpGateways>();
        var settlement = scope.ServiceProvider.GetRequiredService<TopUpSettlement>();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.TopUps.AsNoTracking()
            .Where(t => (t.Status == TopUpStatus.Pending || t.Status == TopUpStatus.Initiating || t.Status == TopUpStatus.Review)
                        && t.NextCheckAt != null && t.NextCheckAt <= now)
            .OrderBy(t => t.NextCheckAt).Take(_options.BatchSize).ToListAsync(ct);
        var processed = 0;
        foreach (var topUp in due)
        {
            var delay = RetryBackoff.Exponential(topUp.CheckAttempts,
                TimeSpan.FromSeconds(_options.FirstCheckSeconds), TimeSpan.FromSeconds(_options.MaxCheckDelaySeconds));
            var dueAt = topUp.NextCheckAt;
            var claimed = await db.TopUps.Where(t => t.Id == topUp.Id && t.NextCheckAt == dueAt).ExecuteUpdateAsync(s => s
                .SetProperty(t => t.NextCheckAt, now + delay)
                .SetProperty(t => t.CheckAttempts, t => t.CheckAttempts + 1), ct);
            if (claimed == 0)
            {
                continue;
            }
            processed++;
            var after = await gateways.CheckAsync(topUp, FundingSource.Watcher, ct);
            if (after.Status is TopUpStatus.Pending or TopUpStatus.Initiating && now >= after.ExpiresAt)
            {
                await settlement.CloseAsync(after, TopUpStatus.Expired, "Not paid in time.", null, [TopUpStatus.Pending, TopUpStatus.Initiating], ct);
                LogExpired(after.Reference);
            }
        }
        return processed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Top-up {Reference} expired unpaid")]
    private partial void LogExpired(string reference);

    [LoggerMessage(Level = LogLevel.Error, Message = "Top-up watcher pass failed")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
