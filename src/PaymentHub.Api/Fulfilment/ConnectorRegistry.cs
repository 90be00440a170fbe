using PaymentHub.Connectors;

namespace PaymentHub.Fulfilment;

/// <summary>
/// Which connector names a service may be bound to (the operator's manual queue plus every registered connector), and
/// which of them answer a bill inquiry.
/// </summary>
public sealed class ConnectorRegistry(IEnumerable<IBillConnector> billConnectors, IEnumerable<IBillInquiry> billInquiries)
{
    public IReadOnlyList<string> BillConnectorNames { get; } =
        [ConnectorNames.Manual, .. BillConnectors.Enabled(billConnectors).Select(c => c.Name).Order(StringComparer.Ordinal)];

    public bool IsKnownBillConnector(string name) => BillConnectorNames.Contains(name);

    /// <summary>The inquiry of the connector a service is bound to, if that connector is enabled and has one.</summary>
    public IBillInquiry? InquiryFor(string connector) =>
        billInquiries.FirstOrDefault(i => i.Name == connector && i is not IOptionalConnector { IsEnabled: false });
}
