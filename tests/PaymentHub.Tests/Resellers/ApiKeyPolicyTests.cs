using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Resellers;

/// <summary>
/// Key expiry, the two-active-keys rule and per-key rate limits, on a gateway whose clock the test moves (FakeTimeProvider),
/// so that refills, windows and expiry are reached without waiting.
/// </summary>
public sealed class ApiKeyPolicyTests(ApiKeyPolicyTests.Gateway gateway) : IClassFixture<ApiKeyPolicyTests.Gateway>
{
    /// <summary>
    /// One gateway and clock for the class. Each test makes its own resellers and keys and sets times relative to the clock's
    /// now, which only moves forward; limits and windows are per key.
    /// </summary>
    public sealed class Gateway : AppFixture
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override Task<PaymentHubApp> StartAsync() =>
            PaymentHubApp.StartAsync("api_key_policy", Settings(), services => services.AddSingleton<TimeProvider>(Clock));
    }

    private readonly FakeTimeProvider _clock = gateway.Clock;
    private readonly PaymentHubApp _app = gateway.App;

    public static Dictionary<string, string?> Settings() => new()
    {
        ["Fulfilment:Enabled"] = "false",
        ["RateLimits:PerKey:RequestsPerSecond"] = "1000",
        ["RateLimits:PerKey:Burst"] = "1000",
        ["RateLimits:PerKey:RequestsPerMinute"] = "100000",
    };

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
    public async Task Concurrent_creates_on_postgresql_leave_at_most_two_active_keys_and_the_rest_get_the_409_problem()
    {
        Assert.True(await _app.WithDbAsync(db => Task.FromResult(db.Database.IsNpgsql() && db.IsPostgres)));
        for (var round = 0; round < 4; round++)
        {
            var shop = await _app.CreateResellerAsync($"Racing Shop {round}");
            // A round starts with one active key, or none: the rule must hold whatever is left.
            if (round % 2 == 1)
            {
                await _app.CreateKeyAsync(shop);
            }
            using var start = new SemaphoreSlim(0);
            var creates = Enumerable.Range(0, 8).Select(async _ =>
            {
                using var admin = _app.Admin();
                await start.WaitAsync();
                using var response = await admin.PostAsJsonAsync($"/admin/v1/resellers/{shop}/api-keys", new { });
                return ((int)response.StatusCode, System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
            }).ToList();
            start.Release(creates.Count);
            var replies = await Task.WhenAll(creates);

            var allowed = round % 2 == 1 ? 1 : 2;
            Assert.Equal(allowed, replies.Count(r => r.Item1 == 201));
            Assert.All(replies.Where(r => r.Item1 != 201), r =>
            {
                Assert.Equal(409, r.Item1);
                Assert.Equal("Too many active API keys", r.Item2["title"]!.GetValue<string>());
            });
            Assert.Equal(2, await _app.WithDbAsync(db => db.ApiCredentials.CountAsync(c => c.ResellerId == shop && c.RevokedAt == null)));
        }
    }

    [Fact]
    public async Task Reviving_expired_keys_and_creating_new_ones_at_once_still_leaves_at_most_two_active()
    {
        var shop = await _app.CreateResellerAsync("Reviving Race Shop");
        var expiring = new[]
        {
            await _app.CreateKeyAsync(shop, new { expires_at = _clock.GetUtcNow().AddMinutes(1) }),
            await _app.CreateKeyAsync(shop, new { expires_at = _clock.GetUtcNow().AddMinutes(1) }),
        };
        _clock.Advance(TimeSpan.FromMinutes(1));
        await _app.CreateKeyAsync(shop);

        using var start = new SemaphoreSlim(0);
        async Task<int> SendAsync(Func<HttpClient, Task<HttpResponseMessage>> send)
        {
            using var admin = _app.Admin();
            await start.WaitAsync();
            using var response = await send(admin);
            return (int)response.StatusCode;
        }
        var until = _clock.GetUtcNow().AddDays(1);
        var calls = expiring.Select(k => SendAsync(a => a.PatchAsJsonAsync($"/admin/v1/resellers/{shop}/api-keys/{k.Id}", new { expires_at = until })))
            .Concat(Enumerable.Range(0, 4).Select(_ => SendAsync(a => a.PostAsJsonAsync($"/admin/v1/resellers/{shop}/api-keys", new { }))))
            .ToList();
        start.Release(calls.Count);
        var statuses = await Task.WhenAll(calls);

        Assert.Equal(1, statuses.Count(s => s is 200 or 201));
        Assert.Equal(statuses.Length - 1, statuses.Count(s => s == 409));
        var now = _clock.GetUtcNow().UtcDateTime;
        Assert.Equal(2, await _app.WithDbAsync(db =>
            db.ApiCredentials.CountAsync(c => c.ResellerId == shop && c.RevokedAt == null && (c.ExpiresAt == null || c.ExpiresAt > now))));
    }

    [Fact]
    public async Task A_patch_sets_extends_or_removes_the_expiry_and_refuses_a_past_time()
    {
        var shop = await _app.CreateResellerAsync("Extending Shop");
        var key = await _app.CreateKeyAsync(shop, new { expires_at = _clock.GetUtcNow().AddHours(1), requests_per_second = 7 });
        Assert.Equal(200, (await _app.BalanceAsync(key)).Status);

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(new ApiCall(401, ApiKeyCalls.InvalidCredentials, null), await _app.BalanceAsync(key));

        var past = await _app.PatchKeyAsync(shop, key.Id, new { expires_at = _clock.GetUtcNow().AddMinutes(-1) }, 400);
        Assert.Equal(400, past["status"]!.GetValue<int>());
        Assert.Contains(ApiKeyCalls.Errors(past), e => e.StartsWith("expires_at must be in the future", StringComparison.Ordinal));
        Assert.Equal(401, (await _app.BalanceAsync(key)).Status);

        var extendTo = _clock.GetUtcNow().AddDays(2);
        var extended = await _app.PatchKeyAsync(shop, key.Id, new { expires_at = extendTo });
        Assert.True(extended["active"]!.GetValue<bool>());
        Assert.Equal(extendTo.UtcDateTime, extended["expires_at"]!.GetValue<DateTime>().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        // Only the expiry changed: the key's own limit is still there.
        Assert.Equal(7, extended["limits"]!["requests_per_second"]!.GetValue<int>());
        Assert.Equal(200, (await _app.BalanceAsync(key)).Status);

        // A patch without expires_at keeps it; an explicit null removes it.
        var kept = await _app.PatchKeyAsync(shop, key.Id, new { burst = 9 });
        Assert.Equal(extendTo.UtcDateTime, kept["expires_at"]!.GetValue<DateTime>().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        var removed = await _app.PatchKeyAsync(shop, key.Id, new { expires_at = (DateTimeOffset?)null });
        Assert.Null(removed["expires_at"]);
        Assert.Null(await _app.WithDbAsync(db => db.ApiCredentials.Where(c => c.Id == key.Id).Select(c => c.ExpiresAt).SingleAsync()));
        _clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(200, (await _app.BalanceAsync(key)).Status);

        // Cut short again: refused from that instant on, with nothing to wait for (the change drops the cached record).
        await _app.PatchKeyAsync(shop, key.Id, new { expires_at = _clock.GetUtcNow().AddSeconds(30) });
        Assert.Equal(200, (await _app.BalanceAsync(key)).Status);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(new ApiCall(401, ApiKeyCalls.InvalidCredentials, null), await _app.BalanceAsync(key));

        var audited = (await _app.AdminGetAsync("/admin/v1/audit-log?limit=1000")).AsArray()
            .Where(e => e!["action"]!.GetValue<string>() == "PATCH /admin/v1/resellers/{id:int}/api-keys/{keyId:int}"
                        && e["target"]!.GetValue<string>() == $"/admin/v1/resellers/{shop}/api-keys/{key.Id}")
            .Select(e => (e!["status_code"]!.GetValue<int>(), e["details"]!.GetValue<string>()))
            .ToList();
        Assert.Equal([200, 200, 200, 200, 400], audited.Select(a => a.Item1).Order().ToList());
        // The past time, the extension and the cut: each entry names the expiry; the removal says so; the burst change does not.
        Assert.Equal(3, audited.Count(a => a.Item2.Contains("\"expires_at\":\"", StringComparison.Ordinal)));
        Assert.Single(audited, a => a.Item2.Contains("\"removes_expiry\":true", StringComparison.Ordinal));
        Assert.DoesNotContain(audited, a => a.Item2.Contains("\"expires_at\":null", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Extending_an_expired_key_counts_towards_the_two_active_keys()
    {
        var shop = await _app.CreateResellerAsync("Reviving Shop");
        var old = await _app.CreateKeyAsync(shop, new { expires_at = _clock.GetUtcNow().AddMinutes(5) });
        _clock.Advance(TimeSpan.FromMinutes(5));
        var second = await _app.CreateKeyAsync(shop);
        await _app.CreateKeyAsync(shop);

        foreach (var body in new object[] { new { expires_at = _clock.GetUtcNow().AddDays(1) }, new { expires_at = (DateTimeOffset?)null } })
        {
            var refused = await _app.PatchKeyAsync(shop, old.Id, body, 409);
            Assert.Equal("Too many active API keys", refused["title"]!.GetValue<string>());
        }
        Assert.Equal(401, (await _app.BalanceAsync(old)).Status);
        // Settings other than the expiry may still change on the expired key; it stays expired.
        Assert.False((await _app.PatchKeyAsync(shop, old.Id, new { burst = 3 }))["active"]!.GetValue<bool>());

        await _app.RevokeKeyAsync(shop, second.Id);
        Assert.True((await _app.PatchKeyAsync(shop, old.Id, new { expires_at = _clock.GetUtcNow().AddDays(1) }))["active"]!.GetValue<bool>());
        Assert.Equal(200, (await _app.BalanceAsync(old)).Status);
        Assert.Equal(2, (await _app.AdminGetAsync($"/admin/v1/resellers/{shop}/api-keys")).AsArray().Count(k => k!["active"]!.GetValue<bool>()));
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
