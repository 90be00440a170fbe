using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Resellers;

/// <summary>Two gateway instances on one database: per-key limits shared between them, and the credential cache's TTL.</summary>
public sealed class ApiKeyInstancesTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    public async Task Two_instances_hold_a_keys_limit_within_one_request_per_extra_instance(int perMinute)
    {
        // Each instance's clock stands still, so the whole run falls in one minute window however slow the machine is.
        var settings = ApiKeyPolicyTests.Settings();
        settings["RateLimits:Instances"] = "2";
        var first = await PaymentHubApp.StartAsync("api_key_instances", settings, s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)));
        await using var firstScope = first;
        await using var second = await PaymentHubApp.StartAsync("unused", settings,
            s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)), sharedDatabase: first.ConnectionString);
        var key = await first.CreateKeyAsync(await first.CreateResellerAsync("Balanced Shop"), new { requests_per_minute = perMinute });

        var accepted = new[] { 0, 0 };
        var instances = new[] { first, second };
        for (var i = 0; i < 4 * perMinute; i++)
        {
            var call = await instances[i % 2].BalanceAsync(key);
            Assert.True(call.Status is 200 or 429, call.ToString());
            accepted[i % 2] += call.Status == 200 ? 1 : 0;
        }

        // Each enforces ceil(limit / 2): the total is the limit, or one more when the limit is odd (the README's tolerance).
        var share = (perMinute + 1) / 2;
        Assert.Equal([share, share], accepted);
        Assert.InRange(accepted.Sum(), perMinute, perMinute + 1);
    }

    [Fact]
    public async Task Revocation_and_suspension_apply_at_once_where_made_and_within_the_cache_ttl_elsewhere()
    {
        var settings = ApiKeyPolicyTests.Settings();
        settings["ResellerAuth:CredentialCacheSeconds"] = "5";
        var otherClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var first = await PaymentHubApp.StartAsync("api_key_cache", settings);
        await using var second = await PaymentHubApp.StartAsync("unused", settings, s => s.AddSingleton<TimeProvider>(otherClock),
            sharedDatabase: first.ConnectionString);
        var shop = await first.CreateResellerAsync("Cached Shop");
        var key = await first.CreateKeyAsync(shop);
        var otherShop = await first.CreateResellerAsync("Suspended Shop");
        var otherKey = await first.CreateKeyAsync(otherShop);
        foreach (var (app, k) in new[] { (first, key), (second, key), (first, otherKey), (second, otherKey) })
        {
            Assert.Equal(200, (await app.BalanceAsync(k)).Status);
        }

        await first.RevokeKeyAsync(shop, key.Id);
        await first.SetStatusAsync(otherShop, "suspended");

        Assert.Equal(ApiKeyCalls.InvalidCredentials, (await first.BalanceAsync(key)).Body);
        Assert.Equal(ApiKeyCalls.InvalidCredentials, (await first.BalanceAsync(otherKey)).Body);
        // The other instance still answers from its cached record (no query per call) until the TTL has passed.
        Assert.Equal(200, (await second.BalanceAsync(key)).Status);
        Assert.Equal(200, (await second.BalanceAsync(otherKey)).Status);
        otherClock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(new ApiCall(401, ApiKeyCalls.InvalidCredentials, null), await second.BalanceAsync(key));
        Assert.Equal(new ApiCall(401, ApiKeyCalls.InvalidCredentials, null), await second.BalanceAsync(otherKey));
    }
}
