namespace PaymentHub.Connectors;

public static class ConnectorNames
{
    public const string Manual = "manual";
    public const string Sandbox = "sandbox";
    public const string Iak = "iak";
}
