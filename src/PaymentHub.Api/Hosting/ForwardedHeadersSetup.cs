using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace PaymentHub.Hosting;

/// <summary>
/// The client address from <c>X-Forwarded-For</c>, only when the connection comes from a proxy listed in the
/// <c>ForwardedHeaders</c> section (<c>KnownProxies</c>: addresses, <c>KnownNetworks</c>: CIDR ranges). With neither
/// set the middleware is not added at all: with empty lists ASP.NET's middleware would believe every sender.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string Section = "ForwardedHeaders";

    public static IApplicationBuilder UseConfiguredForwardedHeaders(this IApplicationBuilder app, IConfiguration configuration)
    {
        var options = Read(configuration.GetSection(Section));
        return options is null ? app : app.UseForwardedHeaders(options);
    }

    /// <summary>The options the settings describe, or null when they trust no proxy.</summary>
    public static ForwardedHeadersOptions? Read(IConfigurationSection section)
    {
        var proxies = section.GetSection("KnownProxies").Get<string[]>() ?? [];
        var networks = section.GetSection("KnownNetworks").Get<string[]>() ?? [];
        if (proxies.Length == 0 && networks.Length == 0)
        {
            return null;
        }
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor,
            // One trusted hop by default: the address the listed proxy saw, not what the client wrote before it.
            ForwardLimit = section.GetValue("ForwardLimit", 1),
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy.Trim(), out var address)
                ? address
                : throw new InvalidOperationException($"{Section}:KnownProxies: '{proxy}' is not an IP address."));
        }
        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network.Trim(), out var range)
                ? range
                : throw new InvalidOperationException($"{Section}:KnownNetworks: '{network}' is not a CIDR range such as 10.0.0.0/8."));
        }
        return options;
    }
}
