using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Resellers;

/// <summary>
/// Key expiry, the two-active-keys rule and per-key rate limits, on a gateway whose clock the test moves (FakeTimeProvider),
/// so that refills, windows and expiry are reached without waiting.
/// </summary>
public sealed class ApiKeyPolicyTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private PaymentHubApp _app = null!;

    public static Dictionary<string, string?> Settings() => new()
    {
        ["Fulfilment:Enabled"] = "false",
        ["RateLimits:PerKey:RequestsPerSecond"] = "1000",
        ["RateLimits:PerKey:Burst"] = "1000",
        ["RateLimits:PerKey:RequestsPerMinute"] = "100000",
    };

    public async Task InitializeAsync() =>
        _app = await PaymentHubApp.StartAsync("api_key_policy", Settings(), services => services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync()
    {
        await _app.AssertLedgerOkAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task An_expired_key_is_refused_like_a_wrong_secret_and_no_longer_counts_as_active()
    {
        var shop = await _app.CreateResellerAsync("Expiring Shop");
        var lasting = await _app.CreateKeyAsync(shop);
        var expiring = await _app.CreateKeyAsync(shop, new { expires_at = _clock.GetUtcNow().AddHours(1) });
        Assert.Equal(200, (await _app.BalanceAsync(expiring)).Status);

        _clock.Advance(TimeSpan.FromHours(1));

        var refused = await _app.BalanceAsync(expiring);
        var wrongSecret = await _app.BalanceAsync(lasting.Key, "phs_wrong");
        Assert.Equal((401, ApiKeyCalls.InvalidCredentials), (refused.Status, refused.Body));
        Assert.Equal((401, ApiKeyCalls.InvalidCredentials), (wrongSecret.Status, wrongSecret.Body));
        Assert.Equal(200, (await _app.BalanceAsync(lasting)).Status);

        var listed = (await _app.AdminGetAsync($"/admin/v1/resellers/{shop}/api-keys")).AsArray();
        var expired = listed.Single(k => k!["id"]!.GetValue<int>() == expiring.Id)!;
        Assert.False(expired["active"]!.GetValue<bool>());
        Assert.NotNull(expired["expires_at"]);
        Assert.DoesNotContain("secret", listed.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        // The expired key no longer holds a place: a second active key can be made.
        await _app.CreateKeyAsync(shop);
    }

    [Fact]
    public async Task A_third_active_key_is_refused_with_a_problem_naming_the_rule_until_one_is_revoked()
    {
        var shop = await _app.CreateResellerAsync("Rotating Shop");
        var first = await _app.CreateKeyAsync(shop);
        await _app.CreateKeyAsync(shop);

        var refused = await _app.AdminPostAsync($"/admin/v1/resellers/{shop}/api-keys", new { }, 409);
        Assert.Equal("Too many active API keys", refused["title"]!.GetValue<string>());
        Assert.Contains("at most 2", refused["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, (await _app.AdminGetAsync($"/admin/v1/resellers/{shop}/api-keys")).AsArray().Count);

        await _app.RevokeKeyAsync(shop, first.Id);
        await _app.CreateKeyAsync(shop);
    }

    [Fact]
    public async Task Bad_settings_are_refused_naming_the_entry_and_good_ones_are_shown_normalised()
    {
        var shop = await _app.CreateResellerAsync("Careful Shop");
        foreach (var entry in new[] { "10.1.2.3/24", "10.0.0.1/33", "not-an-ip", "10.1", "::ffff:10.0.0.0/24", "fe80::1%eth0" })
        {
            var problem = await _app.AdminPostAsync($"/admin/v1/resellers/{shop}/api-keys", new { allowed_ips = new[] { "203.0.113.7", entry } }, 400);
            Assert.Contains(ApiKeyCalls.Errors(problem), e => e.Contains($"'{entry}'", StringComparison.Ordinal));
        }
        await _app.AdminPostAsync($"/admin/v1/resellers/{shop}/api-keys", new { expires_at = _clock.GetUtcNow().AddMinutes(-1) }, 400);
        await _app.AdminPostAsync($"/admin/v1/resellers/{shop}/api-keys", new { burst = 0 }, 400);
        Assert.Empty((await _app.AdminGetAsync($"/admin/v1/resellers/{shop}/api-keys")).AsArray());

        var key = await _app.CreateKeyAsync(shop, new
        {
            requests_per_second = 5, allowed_ips = new[] { "::ffff:192.0.2.1", "2001:DB8::/32", "198.51.100.0/24" },
        });
        var listed = (await _app.AdminGetAsync($"/admin/v1/resellers/{shop}/api-keys")).AsArray().Single()!;
        Assert.Equal(key.Id, listed["id"]!.GetValue<int>());
        Assert.Equal("""["192.0.2.1","2001:db8::/32","198.51.100.0/24"]""", listed["allowed_ips"]!.ToJsonString());
        Assert.Equal("""{"requests_per_second":5,"burst":1000,"requests_per_minute":100000,"default_limits":false}""", listed["limits"]!.ToJsonString());

        var patched = await _app.PatchKeyAsync(shop, key.Id, new { allowed_ips = new[] { "203.0.113.0/33" } }, 400);
        Assert.Contains(ApiKeyCalls.Errors(patched), e => e.Contains("'203.0.113.0/33'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_retry_after_while_another_key_from_the_same_address_goes_through()
    {
        var limitedShop = await _app.CreateResellerAsync("Limited Shop");
        var limited = await _app.CreateKeyAsync(limitedShop, new { requests_per_second = 1, burst = 2, requests_per_minute = 100 });
        var other = await _app.CreateKeyAsync(await _app.CreateResellerAsync("Other Shop"));

        Assert.Equal(200, (await _app.BalanceAsync(limited)).Status);
        Assert.Equal(200, (await _app.BalanceAsync(limited)).Status);
        var refused = await _app.BalanceAsync(limited);
        Assert.Equal(new ApiCall(429, ApiKeyCalls.TooManyRequests, "1"), refused);
        Assert.Equal(200, (await _app.BalanceAsync(other)).Status);

        // One second refills one token: one call, then refused again; half a second later still refused, Retry-After rounded up.
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(200, (await _app.BalanceAsync(limited)).Status);
        Assert.Equal(429, (await _app.BalanceAsync(limited)).Status);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(new ApiCall(429, ApiKeyCalls.TooManyRequests, "1"), await _app.BalanceAsync(limited));
        // The burst refills to its size, no further.
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(new[] { 200, 200, 429 }, await StatusesAsync(limited, 3));
    }

    [Fact]
    public async Task The_per_minute_window_refuses_until_it_ends_and_a_patch_applies_at_once()
    {
        var shop = await _app.CreateResellerAsync("Minute Shop");
        var key = await _app.CreateKeyAsync(shop, new { requests_per_minute = 3 });

        Assert.Equal(new[] { 200, 200, 200 }, await StatusesAsync(key, 3));
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(new ApiCall(429, ApiKeyCalls.TooManyRequests, "40"), await _app.BalanceAsync(key));
        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(200, (await _app.BalanceAsync(key)).Status);

        await _app.PatchKeyAsync(shop, key.Id, new { requests_per_second = 1, burst = 1 });
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new[] { 200, 429 }, await StatusesAsync(key, 2));
        var reply = await _app.PatchKeyAsync(shop, key.Id, new { default_limits = true });
        Assert.True(reply["limits"]!["default_limits"]!.GetValue<bool>());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { 200, 200, 200, 200 }, await StatusesAsync(key, 4));
    }

    private async Task<int[]> StatusesAsync(ApiKey key, int calls)
    {
        var statuses = new int[calls];
        for (var i = 0; i < calls; i++)
        {
            statuses[i] = (await _app.BalanceAsync(key)).Status;
        }
        return statuses;
    }
}
