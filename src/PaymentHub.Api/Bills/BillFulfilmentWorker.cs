using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Fulfilment;

namespace PaymentHub.Bills;

/// <summary>
/// Drives Processing bill orders through their connectors, outside the reseller's request. Work is claimed with
/// a lease (<see cref="Leases.ClaimAsync{T}"/>), so several instances share one database without handling an order
/// twice, and an instance that dies simply lets its leases expire.
/// </summary>
public sealed partial class BillFulfilmentWorker(
    IServiceScopeFactory scopes,
    IEnumerable<IBillConnector> connectors,
    IOptions<FulfilmentOptions> options,
    TimeProvider clock,
    WorkSignal<BillFulfilmentWorker> wake,
    ILogger<BillFulfilmentWorker> logger) : BackgroundService
{
    private readonly FulfilmentOptions _options = options.Value;
    private readonly Dictionary<string, IBillConnector> _connectors = BillConnectors.Enabled(connectors).ToDictionary(c => c.Name);
    public string InstanceId { get; } = options.Value.InstanceId
        ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }
        LogStarted(InstanceId);
        await PollingLoop.RunAsync(RunOnceAsync, TimeSpan.FromMilliseconds(_options.PollIntervalMs), clock, LogLoopFailed, stoppingToken, wake);
    }

    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var claimed = await ClaimAsync(ct);
        if (claimed.Count == 0)
        {
            return 0;
        }
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelism, CancellationToken = ct },
            async (order, token) => await ProcessAsync(order, token));
        return claimed.Count;
    }

    private async Task<List<BillOrder>> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = await Leases.ClaimAsync<BillOrder>(db, BillOrderStatus.Processing, InstanceId, now, now.AddSeconds(_options.LeaseSeconds),
            _options.BatchSize, ct);
        if (ids.Count == 0)
        {
            return [];
        }
        return await db.BillOrders.AsNoTracking().Where(o => ids.Contains(o.Id) && o.LeaseOwner == InstanceId).ToListAsync(ct);
    }

    private async Task ProcessAsync(BillOrder order, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
        var settlement = scope.ServiceProvider.GetRequiredService<BillOrderSettlement>();
        var (outcome, stage) = await RunConnectorAsync(db, order, ct);
        if (outcome is null)
        {
            return;
        }
        await ApplyAsync(db, settlement, order, stage, Checked(order, stage, outcome));
    }

    /// <summary>
    /// What the order's connector says, and the stage the order is at after the checkpoints it saved; no outcome when the
    /// worker is stopping (the lease is released).
    /// </summary>
    private async Task<(ConnectorOutcome? Outcome, BillStage Stage)> RunConnectorAsync(PaymentHubDbContext db, BillOrder order, CancellationToken ct)
    {
        // The stage as committed under this lease: every write moves it from here, through the stage table.
        var stage = order.Stage;
        if (!_connectors.TryGetValue(order.Connector, out var connector))
        {
            return (new ConnectorOutcome.NeedsOperator($"No connector named '{order.Connector}' is configured."), stage);
        }
        var work = new BillOrderWork(order.Id, order.OrderNumber, order.ConnectorProductCode, order.CustomerNumber,
            JsonSerializer.Deserialize<Dictionary<string, string>>(order.ModuleData) ?? [], order.BillMonth, order.Amount,
            order.Stage, order.UpstreamRef, order.UpstreamState, order.Attempts, order.CreatedAt,
            async (checkpoint, token) =>
            {
                await SaveCheckpointAsync(db, order.Id, stage, checkpoint, token);
                stage = checkpoint.Stage;
            });
        try
        {
            var outcome = await connector.ProcessAsync(work, ct);
            return (outcome, stage);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await ReleaseLeaseAsync(db, order.Id);
            return (null, stage);
        }
        catch (IllegalStageTransitionException ex)
        {
            // A checkpoint the stage table forbids was refused before the call it guards: a connector fault that an
            // operator must look at, never retried blindly.
            return (IllegalMove(order, ex.From, ex.To, "The call that checkpoint guards was not made."), stage);
        }
        catch (Exception ex)
        {
            // A connector should classify its own failures; anything that escapes is retried from the last checkpoint.
            LogConnectorFailed(ex, order.OrderNumber, order.Connector);
            return (new ConnectorOutcome.Pending(RetryBackoff.After(order.Attempts), stage, $"Connector error: {ex.GetType().Name}"), stage);
        }
    }

    /// <summary>The stage a pending or successful outcome asks for must be a move the stage table allows from where the order is.</summary>
    private ConnectorOutcome Checked(BillOrder order, BillStage stage, ConnectorOutcome outcome) =>
        outcome switch
        {
            ConnectorOutcome.Pending pending when !BillStages.Machine.CanMove(stage, pending.Stage) =>
                IllegalMove(order, stage.ToString(), pending.Stage.ToString(), $"Its note: {pending.Note ?? "none"}"),
            ConnectorOutcome.Succeeded success when (success.UpstreamRef ?? success.UpstreamState) is not null
                                                    && !BillStages.Machine.CanMove(stage, BillStage.Settling) =>
                IllegalMove(order, stage.ToString(), nameof(BillStage.Settling), $"It reported the bill paid (token {success.TokenNumber})."),
            _ => outcome,
        };

    private async Task ApplyAsync(PaymentHubDbContext db, BillOrderSettlement settlement, BillOrder order, BillStage stage, ConnectorOutcome outcome)
    {
        switch (outcome)
        {
            case ConnectorOutcome.Succeeded success:
                if (success.UpstreamRef is not null || success.UpstreamState is not null)
                {
                    await SaveCheckpointAsync(db, order.Id, stage, new ConnectorCheckpoint(BillStage.Settling, success.UpstreamRef, success.UpstreamState),
                        CancellationToken.None);
                    stage = BillStage.Settling;
                }
                if (await settlement.CompleteAsync(order.OrderNumber, success.TokenNumber, InstanceId, CancellationToken.None) == SettlementResult.Settled)
                {
                    LogSettled(order.OrderNumber, "Success", InstanceId);
                }
                break;
            case ConnectorOutcome.Cancelled cancelled:
                if (await settlement.CancelAsync(order.OrderNumber, cancelled.CancelNote, InstanceId, CancellationToken.None) == SettlementResult.Settled)
                {
                    LogSettled(order.OrderNumber, "Cancelled", InstanceId);
                }
                break;
            case ConnectorOutcome.Pending pending:
                await RescheduleAsync(db, order, stage, pending);
                break;
            case ConnectorOutcome.NeedsOperator needsOperator:
                await FlagAsync(db, order.Id, needsOperator.Reason);
                break;
        }
    }

    private ConnectorOutcome.NeedsOperator IllegalMove(BillOrder order, string from, string to, string what)
    {
        LogIllegalStage(order.OrderNumber, order.Connector, from, to);
        return new ConnectorOutcome.NeedsOperator(
            $"Connector '{order.Connector}' tried to move the order from stage {from} to {to}, which is not allowed. {what}");
    }

    /// <summary>Commits a connector's checkpoint: a move from <paramref name="from"/> the stage table allows, under this lease.</summary>
    private async Task SaveCheckpointAsync(PaymentHubDbContext db, long orderId, BillStage from, ConnectorCheckpoint checkpoint, CancellationToken ct)
    {
        var to = BillStages.Machine.Move(from, checkpoint.Stage);
        var now = clock.GetUtcNow().UtcDateTime;
        var saved = await db.BillOrders
            .Where(o => o.Id == orderId && o.LeaseOwner == InstanceId && o.Status == BillOrderStatus.Processing && o.Stage == from)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Stage, to)
                .SetProperty(o => o.UpstreamRef, o => checkpoint.UpstreamRef ?? o.UpstreamRef)
                .SetProperty(o => o.UpstreamState, o => checkpoint.UpstreamState ?? o.UpstreamState)
                .SetProperty(o => o.UpdatedAt, now), ct);
        if (saved == 0)
        {
            throw new LeaseLostException(orderId);
        }
    }

    private async Task RescheduleAsync(PaymentHubDbContext db, BillOrder order, BillStage from, ConnectorOutcome.Pending pending)
    {
        var to = BillStages.Machine.Move(from, pending.Stage);
        var now = clock.GetUtcNow().UtcDateTime;
        var overdue = now - order.CreatedAt > TimeSpan.FromMinutes(_options.FlagAfterMinutes) && order.FlaggedAt is null;
        var note = Truncate(pending.Note, 1000);
        var flagReason = overdue
            ? Truncate($"Unresolved after {_options.FlagAfterMinutes} minutes: {pending.Note ?? BillStages.Machine.DisplayName(to)}", 500)
            : null;
        await db.BillOrders.Where(o => o.Id == order.Id && o.LeaseOwner == InstanceId && o.Status == BillOrderStatus.Processing && o.Stage == from)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Stage, to)
                .SetProperty(o => o.UpstreamRef, o => pending.UpstreamRef ?? o.UpstreamRef)
                .SetProperty(o => o.UpstreamState, o => pending.UpstreamState ?? o.UpstreamState)
                .SetProperty(o => o.Attempts, o => o.Attempts + 1)
                .SetProperty(o => o.NextAttemptAt, now + pending.RetryAfter)
                .SetProperty(o => o.LastError, o => note ?? o.LastError)
                .SetProperty(o => o.FlaggedAt, o => overdue ? now : o.FlaggedAt)
                .SetProperty(o => o.FlagReason, o => flagReason ?? o.FlagReason)
                .SetProperty(o => o.UpdatedAt, now)
                .SetProperty(o => o.LeaseOwner, (string?)null)
                .SetProperty(o => o.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
        if (overdue)
        {
            LogFlagged(order.OrderNumber, flagReason!);
        }
    }

    private async Task FlagAsync(PaymentHubDbContext db, long orderId, string reason)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var text = Truncate(reason, 500)!;
        var orderNumber = await db.BillOrders.Where(o => o.Id == orderId).Select(o => o.OrderNumber).SingleAsync(CancellationToken.None);
        await db.BillOrders.Where(o => o.Id == orderId && o.LeaseOwner == InstanceId && o.Status == BillOrderStatus.Processing)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.NextAttemptAt, (DateTime?)null)
                .SetProperty(o => o.FlaggedAt, now)
                .SetProperty(o => o.FlagReason, text)
                .SetProperty(o => o.UpdatedAt, now)
                .SetProperty(o => o.LeaseOwner, (string?)null)
                .SetProperty(o => o.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
        LogFlagged(orderNumber, text);
    }

    private async Task ReleaseLeaseAsync(PaymentHubDbContext db, long orderId) =>
        await db.BillOrders.Where(o => o.Id == orderId && o.LeaseOwner == InstanceId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.LeaseOwner, (string?)null)
                .SetProperty(o => o.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    [LoggerMessage(Level = LogLevel.Information, Message = "Bill fulfilment worker {InstanceId} started")]
    private partial void LogStarted(string instanceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bill fulfilment loop failed; retrying")]
    private partial void LogLoopFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Connector {Connector} failed on order {OrderNumber}")]
    private partial void LogConnectorFailed(Exception ex, string orderNumber, string connector);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bill order {OrderNumber} settled as {Status} by {InstanceId}")]
    private partial void LogSettled(string orderNumber, string status, string instanceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Connector {Connector} tried to move bill order {OrderNumber} from stage {From} to {To}; refused")]
    private partial void LogIllegalStage(string orderNumber, string connector, string from, string to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bill order {OrderNumber} flagged for the operator: {Reason}")]
    private partial void LogFlagged(string orderNumber, string reason);
}

public sealed class LeaseLostException(long orderId)
    : Exception($"The lease on bill order {orderId} was lost; another instance may own it now.");
