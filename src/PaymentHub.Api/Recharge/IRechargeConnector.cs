namespace PaymentHub.Recharge;

public sealed record RechargeWork(string OrderNumber, string Phone, string OperatorCode, string AccountType, decimal Amount, DateTime CreatedAt);

public abstract record RechargeOutcome
{
    private RechargeOutcome() { }

    public sealed record Succeeded(string OperatorTransactionId) : RechargeOutcome;

    public sealed record Failed(string Reason) : RechargeOutcome;

    /// <summary>The upstream's answer is unknown (timeout, connection lost after sending, 5xx): never resent, never refunded blindly.</summary>
    public sealed record Unknown(string Note) : RechargeOutcome;
}

public interface IRechargeConnector
{
    string Name { get; }

    /// <summary>Whether <see cref="CheckAsync"/> can resolve an unknown outcome; otherwise an operator must.</summary>
    bool CanCheckStatus { get; }

    /// <summary>False when its settings are missing; recharges are then refused before any money moves.</summary>
    bool IsConfigured { get; }

    /// <summary>Sends the recharge. Called at most once per order.</summary>
    Task<RechargeOutcome> RechargeAsync(RechargeWork work, CancellationToken ct);

    /// <summary>Asks the upstream what became of an earlier recharge; safe to repeat.</summary>
    Task<RechargeOutcome> CheckAsync(RechargeWork work, CancellationToken ct);
}
