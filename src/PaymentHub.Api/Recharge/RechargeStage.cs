using PaymentHub.Fulfilment;

namespace PaymentHub.Recharge;

/// <summary>
/// Where a recharge is (<c>recharge_orders.stage</c>; the status says Processing until the stage is <see cref="Done"/>).
/// The reseller's request creates it in <see cref="Manual"/> or <see cref="Sending"/> and records an unknown answer;
/// settlement (request thread, reconciler or operator) writes <see cref="Done"/>. The allowed moves are
/// <see cref="RechargeStages.Machine"/>.
/// </summary>
public enum RechargeStage
{
    /// <summary>The operator's connector is manual: it waits for an operator, never for a worker.</summary>
    Manual,

    /// <summary>
    /// Committed (and debited) before the request thread sends it. Should the request die here, the reconciler takes over
    /// after Recharge:ResolveAfterSeconds, by status query only.
    /// </summary>
    Sending,

    /// <summary>The upstream's answer is unknown (timeout, no reply): resolved by status query or by an operator, never resent.</summary>
    Unknown,

    /// <summary>Final: settled as Success or Failed.</summary>
    Done,
}

/// <summary>Who moves a recharge's stage where: the one table of allowed moves, and its guard.</summary>
public static class RechargeStages
{
    public static readonly StageMachine<RechargeStage> Machine = new(
        initial: new HashSet<RechargeStage> { RechargeStage.Manual, RechargeStage.Sending },
        moves: new Dictionary<RechargeStage, RechargeStage[]>
        {
            [RechargeStage.Manual] = [RechargeStage.Done],
            // Request thread: the answer was unknown; request thread, reconciler or operator: settled.
            [RechargeStage.Sending] = [RechargeStage.Unknown, RechargeStage.Done],
            [RechargeStage.Unknown] = [RechargeStage.Done],
            [RechargeStage.Done] = [],
        });
}
