using Microsoft.Extensions.Options;
using PaymentHub.Connectors;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Connectors.SecureSoftPay;
using PaymentHub.Connectors.ShurjoPay;

namespace PaymentHub.Funding;

public static class FundingServices
{
    public static IServiceCollection AddFunding(this IServiceCollection services)
    {
        services.AddOptions<FundingOptions>().BindConfiguration(FundingOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.PublicBaseUrl)
                           || UpstreamHttpClients.IsHttpUrl(o.PublicBaseUrl),
                "Funding:PublicBaseUrl must be an absolute http(s) URL.")
            .ValidateOnStart();
        services.AddOptions<ShurjoPayOptions>().BindConfiguration(ShurjoPayOptions.Section)
            .Validate(o => !o.IsConfigured || UpstreamHttpClients.IsHttpUrl(o.BaseUrl) && !string.IsNullOrWhiteSpace(o.Username) && !string.IsNullOrWhiteSpace(o.Password),
                "Connectors:ShurjoPay needs an absolute http(s) BaseUrl, a Username and a Password.")
            .ValidateOnStart();
        services.AddOptions<SecureSoftPayOptions>().BindConfiguration(SecureSoftPayOptions.Section)
            .Validate(o => !o.IsConfigured || UpstreamHttpClients.IsHttpUrl(o.BaseUrl) && !string.IsNullOrWhiteSpace(o.ApiKey) && !string.IsNullOrWhiteSpace(o.ClientBaseUrl),
                "Connectors:SecureSoftPay needs an absolute http(s) BaseUrl, an ApiKey and the ClientBaseUrl registered at the gateway.")
            .ValidateOnStart();

        // Token requests and verifications are marked safe to repeat and are retried; starting a payment is resent
        // only when the connection was refused.
        services.AddUpstreamHttpClient<ShurjoPayClient>(ConnectorNames.ShurjoPay, ShurjoPayOptions.Section);
        services.AddUpstreamHttpClient<SecureSoftPayClient>(ConnectorNames.SecureSoftPay, SecureSoftPayOptions.Section);

        services.AddSingleton<SandboxTokens>();
        services.AddScoped<SandboxGateway>();
        services.AddScoped<TopUpSettlement>();
        services.AddScoped<TopUpGateways>();
        services.AddSingleton<TopUpWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<TopUpWatcher>());
        return services;
    }
}
