using System.Globalization;
using System.Net;
using PaymentHub.Infrastructure;

namespace PaymentHub.Admin;

/// <summary>
/// Counts failed admin authentications (a bearer key that is not valid) per client address. An address that reaches
/// <c>RateLimits:AdminAuthFailuresPerWindow</c> (default 10) within <c>RateLimits:AdminAuthWindowSeconds</c> (60) gets
/// 429 for every admin call until its window ends; other addresses are not affected. Kept in memory, per instance.
/// </summary>
public sealed partial class AdminAuthThrottle(IConfiguration configuration, TimeProvider clock, ILogger<AdminAuthThrottle> logger)
{
    private readonly int _limit = Math.Max(1, configuration.GetValue("RateLimits:AdminAuthFailuresPerWindow", 10));
    private readonly AddressWindows _failures =
        new(TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("RateLimits:AdminAuthWindowSeconds", 60.0))), clock);

    public void RecordFailure(IPAddress? address)
    {
        var (_, count) = _failures.TryAdd(address);
        if (count == _limit)
        {
            LogThrottled(logger, ClientAddresses.Key(address), _limit, (int)_failures.Length.TotalSeconds);
        }
    }

    /// <summary>Whether the address is blocked now, and for how long still.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_failures.Current(address) is not { } window || window.Count < _limit)
        {
            return false;
        }
        retryAfter = window.EndsAt - clock.GetUtcNow();
        return retryAfter > TimeSpan.Zero;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin API: {Address} failed to authenticate {Count} times; refused for up to {Seconds} s")]
    private static partial void LogThrottled(ILogger logger, string address, int count, int seconds);
}

public static class AdminAuthThrottleMiddleware
{
    /// <summary>Answers 429 to an address that failed to authenticate too often, before its key is even looked at.</summary>
    public static IApplicationBuilder UseAdminAuthThrottle(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var throttle = context.RequestServices.GetRequiredService<AdminAuthThrottle>();
            if (!context.Request.Path.StartsWithSegments("/admin")
                || !throttle.IsBlocked(context.Connection.RemoteIpAddress, out var retryAfter))
            {
                await next(context);
                return;
            }
            var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed authentication attempts",
                detail: $"This address sent too many invalid admin keys. Try again in {seconds} s.").ExecuteAsync(context);
        });
}
