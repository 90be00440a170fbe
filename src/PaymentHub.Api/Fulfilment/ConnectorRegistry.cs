using PaymentHub.Connectors;

namespace PaymentHub.Fulfilment;

/// <summary>Which connector names a service may be bound to: the operator's manual queue plus every registered connector.</summary>
public sealed class ConnectorRegistry(IEnumerable<IBillConnector> billConnectors)
{
    public IReadOnlyList<string> BillConnectorNames { get; } =
        [ConnectorNames.Manual, .. BillConnectors.Enabled(billConnectors).Select(c => c.Name).Order(StringComparer.Ordinal)];

    public bool IsKnownBillConnector(string name) => BillConnectorNames.Contains(name);
}
