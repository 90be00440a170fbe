using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Fulfilment;

namespace PaymentHub.Recharge;

/// <summary>
/// Resolves recharges whose outcome is unknown (or whose request died mid-way) by the connector's status query,
/// never by sending them again. Claims work with a lease, so several instances can run it; flags what stays
/// unresolved for the operator.
/// </summary>
public sealed partial class RechargeReconciler(
    IServiceScopeFactory scopes,
    IEnumerable<IRechargeConnector> connectors,
    IOptions<FulfilmentOptions> options,
    TimeProvider clock,
    ILogger<RechargeReconciler> logger) : BackgroundService
{
    private readonly FulfilmentOptions _options = options.Value;
    private readonly Dictionary<string, IRechargeConnector> _connectors = connectors.ToDictionary(c => c.Name);
    private readonly string _instanceId = (options.Value.InstanceId ?? $"{Environment.MachineName}:{Environment.ProcessId}") + ":recharge";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }
        await PollingLoop.RunAsync(RunOnceAsync, TimeSpan.FromMilliseconds(_options.PollIntervalMs), clock,
            ex => LogLoopFailed(logger, ex), stoppingToken);
    }

    /// <summary>
    /// Resolves up to BatchSize due recharges, one after another. Each is claimed (<see cref="Leases.ClaimAsync{T}"/>)
    /// just before its status query, so a lease never waits behind the queries of the others.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
        var settlement = scope.ServiceProvider.GetRequiredService<RechargeSettlement>();
        var processed = 0;
        while (processed < _options.BatchSize)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var claimed = await Leases.ClaimAsync<RechargeOrder>(db, RechargeStatus.Processing, _instanceId, now,
                now.AddSeconds(_options.LeaseSeconds), batchSize: 1, ct);
            if (claimed is not [var id])
            {
                break;
            }
            var order = await db.RechargeOrders.AsNoTracking().SingleAsync(o => o.Id == id, ct);
            await ResolveAsync(db, settlement, order, ct);
            processed++;
        }
        return processed;
    }

    private async Task ResolveAsync(PaymentHubDbContext db, RechargeSettlement settlement, RechargeOrder order, CancellationToken ct)
    {
        if (!_connectors.TryGetValue(order.Connector, out var connector) || !connector.CanCheckStatus)
        {
            await FlagAsync(db, order, "Outcome unknown and the connector cannot query status; an operator must resolve it.", ct);
            return;
        }
        RechargeOutcome outcome;
        try
        {
            outcome = await connector.CheckAsync(
                new RechargeWork(order.OrderNumber, order.Phone, order.OperatorCode, order.AccountType, order.Amount, order.CreatedAt), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A connector should classify its own failures; whatever escapes still leaves the recharge open, never refunded.
            LogCheckFailed(logger, ex, order.OrderNumber, order.Connector);
            outcome = new RechargeOutcome.Unknown($"Status query failed: {ex.GetType().Name}");
        }

        switch (outcome)
        {
            case RechargeOutcome.Succeeded success:
                await settlement.SucceedAsync(order.Id, success.OperatorTransactionId, _instanceId, ct);
                break;
            case RechargeOutcome.Failed failed:
                await settlement.FailAsync(order.Id, failed.Reason, _instanceId, ct);
                break;
            case RechargeOutcome.Unknown unknown:
                var now = clock.GetUtcNow().UtcDateTime;
                var overdue = now - order.CreatedAt > TimeSpan.FromMinutes(_options.FlagAfterMinutes);
                var note = unknown.Note.Length <= 1000 ? unknown.Note : unknown.Note[..1000];
                await db.RechargeOrders.Where(o => o.Id == order.Id && o.LeaseOwner == _instanceId)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(o => o.Attempts, o => o.Attempts + 1)
                        .SetProperty(o => o.LastError, note)
                        .SetProperty(o => o.NextAttemptAt, now + RetryBackoff.After(order.Attempts))
                        .SetProperty(o => o.FlaggedAt, o => overdue && o.FlaggedAt == null ? now : o.FlaggedAt)
                        .SetProperty(o => o.FlagReason, o => overdue && o.FlagReason == null ? "Unresolved past the flag age: " + note : o.FlagReason)
                        .SetProperty(o => o.UpdatedAt, now)
                        .SetProperty(o => o.LeaseOwner, (string?)null)
                        .SetProperty(o => o.LeaseExpiresAt, (DateTime?)null), ct);
                if (overdue && order.FlaggedAt is null)
                {
                    LogFlagged(logger, order.OrderNumber, "Unresolved past the flag age: " + note);
                }
                break;
        }
    }

    private async Task FlagAsync(PaymentHubDbContext db, RechargeOrder order, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.RechargeOrders.Where(o => o.Id == order.Id && o.LeaseOwner == _instanceId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.NextAttemptAt, (DateTime?)null)
                .SetProperty(o => o.FlaggedAt, now)
                .SetProperty(o => o.FlagReason, reason)
                .SetProperty(o => o.UpdatedAt, now)
                .SetProperty(o => o.LeaseOwner, (string?)null)
                .SetProperty(o => o.LeaseExpiresAt, (DateTime?)null), ct);
        LogFlagged(logger, order.OrderNumber, reason);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Recharge reconciliation loop failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Status query of recharge {OrderNumber} on {Connector} threw; it stays Processing")]
    private static partial void LogCheckFailed(ILogger logger, Exception ex, string orderNumber, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recharge {OrderNumber} flagged for the operator: {Reason}")]
    private static partial void LogFlagged(ILogger logger, string orderNumber, string reason);
}
