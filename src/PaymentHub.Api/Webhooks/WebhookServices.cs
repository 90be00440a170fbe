using Microsoft.Extensions.Options;
using PaymentHub.Ledger;

namespace PaymentHub.Webhooks;

public static class WebhookServices
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .PostConfigure<IHostEnvironment>((options, environment) =>
                options.LocalEndpointsAllowed = !environment.IsProduction() && (options.AllowLocalEndpoints ?? environment.IsDevelopment()));
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<IWalletPostingListener>(sp => sp.GetRequiredService<WebhookOutbox>());
        services.AddScoped<WebhookRegistry>();
        services.AddHttpClient(WebhookSender.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var allowLocal = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.LocalEndpointsAllowed;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    UseProxy = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, ct) => WebhookAddressGuard.ConnectAsync(context, allowLocal, ct),
                };
            });
        services.AddSingleton<WebhookSender>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookSender>());
        return services;
    }
}
