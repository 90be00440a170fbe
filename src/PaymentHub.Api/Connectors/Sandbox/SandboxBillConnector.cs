using System.Security.Cryptography;
using PaymentHub.Fulfilment;

namespace PaymentHub.Connectors.Sandbox;

/// <summary>
/// A built-in test mode: a customer number ending in 0000 is refused as invalid, anything else completes
/// about a second after submit with a generated token.
/// </summary>
public sealed class SandboxBillConnector(TimeProvider clock) : IBillConnector
{
    public static readonly TimeSpan CompletionDelay = TimeSpan.FromSeconds(1);

    public string Name => ConnectorNames.Sandbox;

    public Task<ConnectorOutcome> ProcessAsync(BillOrderWork work, CancellationToken ct)
    {
        if (work.CustomerNumber?.EndsWith("0000", StringComparison.Ordinal) == true)
        {
            return Task.FromResult<ConnectorOutcome>(new ConnectorOutcome.Cancelled("Invalid customer information"));
        }
        var dueAt = work.CreatedAt + CompletionDelay;
        var now = clock.GetUtcNow().UtcDateTime;
        if (now < dueAt)
        {
            return Task.FromResult<ConnectorOutcome>(new ConnectorOutcome.Pending(dueAt - now, BillStage.SandboxWait, null));
        }
        return Task.FromResult<ConnectorOutcome>(new ConnectorOutcome.Succeeded(NewToken()));
    }

    private static string NewToken()
    {
        var digits = RandomNumberGenerator.GetString("0123456789", 20);
        return string.Join('-', Enumerable.Range(0, 5).Select(i => digits.Substring(i * 4, 4)));
    }
}
