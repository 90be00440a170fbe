namespace PaymentHub.Fulfilment;

/// <summary>
/// Where a bill order is in its fulfilment (<c>bill_orders.stage</c>; the status says Processing until the stage is
/// <see cref="Done"/>). The fulfilment worker writes it, from the connector's checkpoints and outcomes; settlement
/// (worker or operator) writes <see cref="Done"/>. The allowed moves are <see cref="BillStages.Machine"/>.
/// </summary>
public enum BillStage
{
    /// <summary>
    /// Debited and waiting for the worker; nothing that pays was sent. An inquiry (IAK) may have been, which pays
    /// nothing, so the connector may start over. Orders of the manual connector stay here until an operator settles them.
    /// </summary>
    New,

    /// <summary>Sandbox: waiting for its simulated completion time.</summary>
    SandboxWait,

    /// <summary>
    /// IAK: the inquiry matched the order and the payment (<c>pay-pasca</c>) is about to go or may have gone out. From
    /// here only <c>checkstatus</c> may tell what happened; the payment is never sent again.
    /// </summary>
    Paying,

    /// <summary>IAK: the payment's outcome is unknown; only <c>checkstatus</c> resolves it.</summary>
    Checking,

    /// <summary>
    /// nurr: the submit is about to go or may have gone out. From here the order is followed with <c>status_check</c>,
    /// unless the upstream could provably not be reached (connection refused, circuit open): then it is back to New.
    /// </summary>
    Submitting,

    /// <summary>nurr: the upstream has the order; it is followed with <c>status_check</c>.</summary>
    Submitted,

    /// <summary>
    /// The connector reported success with an upstream reference, recorded before the order is settled as Success.
    /// If settling does not happen (a crash), the connector resumes by asking the upstream, never by paying again.
    /// </summary>
    Settling,

    /// <summary>Final: settled as Success or Cancelled (by the worker or an operator).</summary>
    Done,
}

/// <summary>Who moves a bill order's stage where: the one table of allowed moves, and its guard.</summary>
public static class BillStages
{
    public static readonly StageMachine<BillStage> Machine = new(
        initial: new HashSet<BillStage> { BillStage.New },
        moves: new Dictionary<BillStage, BillStage[]>
        {
            // Every working stage may stay (asked again later, or a connector error), may reach Settling (a success with an
            // upstream reference) and Done (settled by the worker or an operator). Beyond that, the worker moves:
            // New to the connector's first step (sandbox wait, IAK's paying checkpoint, nurr's submitting checkpoint).
            [BillStage.New] = [BillStage.New, BillStage.SandboxWait, BillStage.Paying, BillStage.Submitting, BillStage.Settling, BillStage.Done],
            [BillStage.SandboxWait] = [BillStage.SandboxWait, BillStage.Settling, BillStage.Done],
            // IAK: a payment whose outcome is unknown is only checked from here on; it is never paid again.
            [BillStage.Paying] = [BillStage.Paying, BillStage.Checking, BillStage.Settling, BillStage.Done],
            [BillStage.Checking] = [BillStage.Checking, BillStage.Settling, BillStage.Done],
            // nurr: acknowledged (Submitted), or provably never sent (back to New, to be submitted again); never re-submitted otherwise.
            [BillStage.Submitting] = [BillStage.Submitting, BillStage.Submitted, BillStage.New, BillStage.Settling, BillStage.Done],
            [BillStage.Submitted] = [BillStage.Submitted, BillStage.Settling, BillStage.Done],
            // Success is known: only settling remains (a resumed connector asks its upstream, it never pays again).
            [BillStage.Settling] = [BillStage.Settling, BillStage.Done],
            [BillStage.Done] = [],
        });
}
