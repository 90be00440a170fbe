using System.Net;
using PaymentHub.Infrastructure;

namespace PaymentHub.Resellers;

/// <summary>
/// Requests per client address on the reseller API and the payment pages, in front of every key's own limits
/// (<see cref="ApiKeyRateLimiter"/>): <c>RateLimits:ResellerRequestsPerMinute</c> (6000) in a fixed one-minute window
/// that starts at the address's first request, refused with nurr's <c>429 {"error":"Too many requests."}</c>. Kept in
/// memory, per instance.
/// </summary>
/// <remarks>
/// Counted at each request from <see cref="TimeProvider"/>, with no timer. ASP.NET Core's partitioned limiter, used here
/// before, runs a housekeeping timer every 100 ms for as long as the process lives, and its wake-ups were about half of
/// an idle gateway's CPU (bench/README.md, "Idle CPU"). <see cref="AddressWindows"/> drops ended windows once per window instead.
/// </remarks>
public sealed class AddressRateLimiter(IConfiguration configuration, TimeProvider clock)
{
    private readonly int _limit = Math.Max(1, configuration.GetValue("RateLimits:ResellerRequestsPerMinute", 6000));
    private readonly AddressWindows _windows = new(TimeSpan.FromMinutes(1), clock);

    /// <summary>How many addresses are tracked now: those seen within the last window or two.</summary>
    internal int TrackedAddresses => _windows.TrackedAddresses;

    /// <summary>Counts the request; false when the address has used up its window.</summary>
    public bool TryAcquire(IPAddress? address) => _windows.TryAdd(address, _limit).Counted;
}

public static class AddressRateLimit
{
    private sealed class RequiredMarker;

    /// <summary>The group's endpoints count against <see cref="AddressRateLimiter"/>.</summary>
    public static TBuilder RequireAddressRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredMarker());

    /// <summary>Before the charset guard and authentication: a flooding address is refused before its form is read.</summary>
    public static IApplicationBuilder UseAddressRateLimit(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<RequiredMarker>() is not null
                && !http.RequestServices.GetRequiredService<AddressRateLimiter>().TryAcquire(http.Connection.RemoteIpAddress))
            {
                await ResellerResults.WriteErrorAsync(http, StatusCodes.Status429TooManyRequests, ResellerAuthenticator.TooManyRequests);
                return;
            }
            await next(http);
        });
}
