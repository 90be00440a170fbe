namespace PaymentHub.Fulfilment;

/// <summary>What a connector needs to know about a bill order, and a way to record progress before a risky call.</summary>
public sealed record BillOrderWork(
    long OrderId,
    string OrderNumber,
    string? ProductCode,
    string? CustomerNumber,
    IReadOnlyDictionary<string, string> ModuleData,
    string? BillMonth,
    decimal Amount,
    BillStage Stage,
    string? UpstreamRef,
    string? UpstreamState,
    int Attempts,
    DateTime CreatedAt,
    Func<ConnectorCheckpoint, CancellationToken, Task> SaveCheckpointAsync);

/// <summary>
/// Progress a connector commits before it makes a call whose outcome could be lost (for example <see cref="BillStage.Paying"/>),
/// so that after a crash the order is resumed by a status query instead of being paid twice. A move the stage table
/// (<see cref="BillStages.Machine"/>) forbids is refused before the call, and the order goes to the operator.
/// </summary>
public sealed record ConnectorCheckpoint(BillStage Stage, string? UpstreamRef, string? UpstreamState);

public abstract record ConnectorOutcome
{
    private ConnectorOutcome() { }

    /// <summary>The upstream confirmed payment; <paramref name="TokenNumber"/> is the biller's reference or token.</summary>
    public sealed record Succeeded(string TokenNumber, string? UpstreamRef = null, string? UpstreamState = null) : ConnectorOutcome;

    /// <summary>The upstream refused it for good: the order is cancelled and the reseller refunded.</summary>
    public sealed record Cancelled(string CancelNote, string? UpstreamState = null) : ConnectorOutcome;

    /// <summary>Not final yet (or outcome unknown): try again after <paramref name="RetryAfter"/>, resuming from the checkpoint.</summary>
    public sealed record Pending(TimeSpan RetryAfter, BillStage Stage, string? Note, string? UpstreamRef = null, string? UpstreamState = null)
        : ConnectorOutcome;

    /// <summary>The connector cannot resolve it alone; an operator must decide. Never refunded automatically.</summary>
    public sealed record NeedsOperator(string Reason) : ConnectorOutcome;
}

/// <summary>The seam every bill upstream (sandbox, IAK, a nurr-compatible hub…) plugs into.</summary>
public interface IBillConnector
{
    string Name { get; }

    Task<ConnectorOutcome> ProcessAsync(BillOrderWork work, CancellationToken ct);
}

/// <summary>A connector that exists only when configured (an upstream without credentials is not offered).</summary>
public interface IOptionalConnector
{
    bool IsEnabled { get; }
}

public static class BillConnectors
{
    public static IEnumerable<IBillConnector> Enabled(IEnumerable<IBillConnector> connectors) =>
        connectors.Where(c => c is not IOptionalConnector { IsEnabled: false });
}
