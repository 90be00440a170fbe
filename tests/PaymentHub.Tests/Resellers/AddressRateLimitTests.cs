using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Resellers;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Resellers;

/// <summary>
/// RateLimits:ResellerRequestsPerMinute per client address, over real TCP with the address taken from X-Forwarded-For
/// (127.0.0.1 is a listed proxy), on a clock the test moves.
/// </summary>
public sealed class AddressRateLimitTests
{
    [Fact]
    public async Task An_address_over_its_minute_gets_nurrs_429_on_the_api_and_the_payment_pages_and_other_addresses_and_the_admin_api_go_on()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = ApiKeyPolicyTests.Settings();
        settings["RateLimits:ResellerRequestsPerMinute"] = "3";
        settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        await using var app = await PaymentHubApp.StartAsync("address_rate_limit", settings,
            services => services.AddSingleton<TimeProvider>(clock), kestrel: true);
        var key = await app.CreateKeyAsync(await app.CreateResellerAsync("Busy Shop"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await app.BalanceAsync(key, "203.0.113.7")).Status);
        }
        Assert.Equal(new ApiCall(429, ApiKeyCalls.TooManyRequests, null), await app.BalanceAsync(key, "203.0.113.7"));
        // Refused before the credentials are looked at: a wrong secret from that address gets the same 429, not a 401.
        Assert.Equal(new ApiCall(429, ApiKeyCalls.TooManyRequests, null), await app.BalanceAsync(key.Key, "wrong", "203.0.113.7"));
        Assert.Equal((429, ApiKeyCalls.TooManyRequests), await PaymentPageAsync(app, "203.0.113.7"));

        // The same client written as an IPv4-mapped IPv6 address shares the count.
        Assert.Equal(429, (await app.BalanceAsync(key, "::ffff:203.0.113.7")).Status);
        Assert.Equal(200, (await app.BalanceAsync(key, "203.0.113.8")).Status);
        using (var admin = app.Admin())
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/v1/resellers")).StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(429, (await app.BalanceAsync(key, "203.0.113.7")).Status);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await app.BalanceAsync(key, "203.0.113.7")).Status);
        Assert.Equal(404, (await PaymentPageAsync(app, "203.0.113.7")).Status);
    }

    [Fact]
    public void Addresses_whose_window_ended_are_dropped_at_the_next_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["RateLimits:ResellerRequestsPerMinute"] = "2" }).Build();
        var limiter = new AddressRateLimiter(configuration, clock);

        for (var i = 0; i < 500; i++)
        {
            Assert.True(limiter.TryAcquire(IPAddress.Parse($"10.0.{i / 256}.{i % 256}")));
        }
        Assert.True(limiter.TryAcquire(null));
        Assert.True(limiter.TryAcquire(null));
        Assert.False(limiter.TryAcquire(null));
        Assert.Equal(501, limiter.TrackedAddresses);

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("10.9.9.9")));
        Assert.Equal(502, limiter.TrackedAddresses);

        // A minute after the first pass: every window but 10.9.9.9's has ended and is gone, and "unknown" starts afresh.
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.True(limiter.TryAcquire(null));
        Assert.Equal(2, limiter.TrackedAddresses);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("10.9.9.9")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("10.9.9.9")));
    }

    private static async Task<(int Status, string Body)> PaymentPageAsync(PaymentHubApp app, string forwardedFor)
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/payments/shurjopay/return?order_id=sp-none");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
