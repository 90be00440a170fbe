using System.Security.Cryptography;
using PaymentHub.Recharge;

namespace PaymentHub.Connectors.Sandbox;

/// <summary>
/// Test mode for recharges: a number ending in 0000 fails, one ending in 9999 "times out" (the reply is Processing
/// and the status query reports Success a few seconds later), anything else succeeds.
/// </summary>
public sealed class SandboxRechargeConnector(TimeProvider clock) : IRechargeConnector
{
    public const string FailureReason = "Something wrong please try again later.";
    public static readonly TimeSpan TimeoutResolvesAfter = TimeSpan.FromSeconds(3);

    public string Name => ConnectorNames.Sandbox;

    public bool CanCheckStatus => true;

    public bool IsConfigured => true;

    public Task<RechargeOutcome> RechargeAsync(RechargeWork work, CancellationToken ct) => Task.FromResult<RechargeOutcome>(
        work.Phone.EndsWith("0000", StringComparison.Ordinal) ? new RechargeOutcome.Failed(FailureReason)
        : work.Phone.EndsWith("9999", StringComparison.Ordinal) ? new RechargeOutcome.Unknown("Sandbox upstream timed out.")
        : new RechargeOutcome.Succeeded(NewTransactionId()));

    public Task<RechargeOutcome> CheckAsync(RechargeWork work, CancellationToken ct) => Task.FromResult<RechargeOutcome>(
        work.Phone.EndsWith("0000", StringComparison.Ordinal) ? new RechargeOutcome.Failed(FailureReason)
        : clock.GetUtcNow().UtcDateTime < work.CreatedAt + TimeoutResolvesAfter ? new RechargeOutcome.Unknown("Sandbox upstream still processing.")
        : new RechargeOutcome.Succeeded(NewTransactionId()));

    private static string NewTransactionId() => "SBX" + RandomNumberGenerator.GetString("0123456789", 12);
}
