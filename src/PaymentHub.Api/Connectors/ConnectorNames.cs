namespace PaymentHub.Connectors;

public static class ConnectorNames
{
    public const string Manual = "manual";
    public const string Sandbox = "sandbox";
    public const string Iak = "iak";
    public const string ShurjoPay = "shurjopay";
    public const string SecureSoftPay = "securesoftpay";
    public const string Nurr = "nurr";
}
