namespace PaymentHub.Funding;

/// <summary>
/// Our address as the paying customer's browser sees it, for the gateways' return URLs. It is
/// <c>Funding:PublicBaseUrl</c>; only in Development may it come from the request itself. Elsewhere the Host header is
/// the client's to choose, so building a return URL from it would let a caller send customers (and their payment
/// results) to a host of its choice: without the setting no gateway is offered.
/// </summary>
public static class FundingPublicUrl
{
    public const string NotConfigured =
        "Funding:PublicBaseUrl is not set; outside Development the gateways' return URLs are never built from the request's Host header.";

    public static string? For(HttpContext http, FundingOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl))
        {
            return options.PublicBaseUrl.Trim();
        }
        return http.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment()
            ? $"{http.Request.Scheme}://{http.Request.Host}"
            : null;
    }

    /// <summary>Whether top-ups can be offered at all (the gateways must be configured as well).</summary>
    public static bool IsAvailable(IHostEnvironment environment, FundingOptions options) =>
        !string.IsNullOrWhiteSpace(options.PublicBaseUrl) || environment.IsDevelopment();
}
