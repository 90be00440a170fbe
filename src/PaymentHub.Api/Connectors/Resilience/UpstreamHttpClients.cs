using Microsoft.Extensions.Options;

namespace PaymentHub.Connectors.Resilience;

public static class UpstreamHttpClients
{
    /// <summary>
    /// The client <typeparamref name="TClient"/> of one upstream: a singleton (shurjoPay's token cache lives in its client,
    /// so there is one per process) given the named HTTP client <paramref name="upstream"/>, which sends through the
    /// upstream's own resilience pipeline and circuit breaker (settings bound from <paramref name="section"/>, e.g.
    /// <c>Connectors:Iak</c>). The HTTP handler is never rotated by the factory, so the breaker's state lasts and the
    /// singleton may keep its HTTP client; pooled connections are recycled instead, which keeps DNS changes visible.
    /// </summary>
    public static IHttpClientBuilder AddUpstreamHttpClient<TClient>(this IServiceCollection services, string upstream, string section)
        where TClient : class
    {
        services.AddOptions<UpstreamResilienceOptions>(upstream).BindConfiguration(section);
        services.AddSingleton(new UpstreamName(upstream));
        services.AddKeyedSingleton(upstream, (sp, _) => new UpstreamResilience(Options(sp, upstream), sp.GetRequiredService<TimeProvider>(),
            upstream, sp.GetRequiredService<ILogger<UpstreamResilience>>()));
        services.AddSingleton(sp =>
            ActivatorUtilities.CreateInstance<TClient>(sp, sp.GetRequiredService<IHttpClientFactory>().CreateClient(upstream)));
        return services.AddHttpClient(upstream, (sp, client) => client.Timeout = TimeSpan.FromSeconds(Options(sp, upstream).TimeoutSeconds + 5))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // No logging handlers of the factory: their scope ("HTTP POST <address>") would ride on every line logged
            // inside the call (the retry warning), and an address is not for the log. The clients log what they need.
            .RemoveAllLoggers()
            .AddHttpMessageHandler(sp => new UpstreamResilienceHandler(sp.GetRequiredKeyedService<UpstreamResilience>(upstream)));
    }

    /// <summary>An upstream's configured address must be an absolute http(s) URL.</summary>
    public static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    /// <summary>The upstreams registered with <see cref="AddUpstreamHttpClient{TClient}"/>, in registration order.</summary>
    public static IEnumerable<(string Name, UpstreamResilience Resilience)> Upstreams(IServiceProvider services) =>
        services.GetServices<UpstreamName>().Select(u => (u.Name, services.GetRequiredKeyedService<UpstreamResilience>(u.Name)));

    private static UpstreamResilienceOptions Options(IServiceProvider sp, string upstream) =>
        sp.GetRequiredService<IOptionsMonitor<UpstreamResilienceOptions>>().Get(upstream);
}

/// <summary>One upstream registered with <see cref="UpstreamHttpClients.AddUpstreamHttpClient{TClient}"/>.</summary>
public sealed record UpstreamName(string Name);
