using Microsoft.EntityFrameworkCore;
using PaymentHub.Resellers;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Resellers;

/// <summary>
/// IP allowlists over real TCP (Kestrel on 127.0.0.1): the client address is the connection's, or X-Forwarded-For's only
/// when the connection comes from a proxy listed in ForwardedHeaders.
/// </summary>
public sealed class ApiKeyAllowlistTests
{
    [Fact]
    public async Task Behind_a_listed_proxy_listed_v4_v6_and_ranges_pass_and_others_get_the_wrong_secret_401_with_an_audit_row()
    {
        var settings = ApiKeyPolicyTests.Settings();
        settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        await using var app = await PaymentHubApp.StartAsync("api_key_allowlist", settings, kestrel: true);
        var shop = await app.CreateResellerAsync("Fenced Shop");
        var key = await app.CreateKeyAsync(shop, new { allowed_ips = new[] { "203.0.113.7", "2001:db8::/32", "198.51.100.0/24", "::ffff:192.0.2.1" } });

        foreach (var address in new[] { "203.0.113.7", "2001:db8::5", "198.51.100.9", "192.0.2.1", "::ffff:198.51.100.10" })
        {
            Assert.Equal((200, address), ((await app.BalanceAsync(key, address)).Status, address));
        }
        var wrongSecret = await app.BalanceAsync(key.Key, "phs_wrong", "203.0.113.7");
        var refusedV4 = await app.BalanceAsync(key, "203.0.113.8");
        var refusedV6 = await app.BalanceAsync(key, "2001:db9::1");
        Assert.Equal(new ApiCall(401, ApiKeyCalls.InvalidCredentials, null), wrongSecret);
        Assert.Equal(wrongSecret, refusedV4);
        Assert.Equal(wrongSecret, refusedV6);

        var rows = await app.WithDbAsync(db => db.AuditLog.Where(a => a.Action == ResellerAuthenticator.RefusedAddressAction).OrderBy(a => a.Id).ToListAsync());
        Assert.Equal(["203.0.113.8", "2001:db9::1"], rows.Select(r => r.RemoteIp));
        Assert.All(rows, r =>
        {
            Assert.Equal($"api-key:{key.Id}", r.Target);
            Assert.Equal(401, r.StatusCode);
            Assert.Contains($"API key {key.Id} of reseller {shop}", r.Details, StringComparison.Ordinal);
            Assert.Contains(r.RemoteIp!, r.Details, StringComparison.Ordinal);
            Assert.DoesNotContain(key.Secret, r.Details, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Without_a_listed_proxy_X_Forwarded_For_is_ignored_and_the_connection_address_counts()
    {
        await using var app = await PaymentHubApp.StartAsync("api_key_no_proxy", ApiKeyPolicyTests.Settings(), kestrel: true);
        var shop = await app.CreateResellerAsync("Direct Shop");
        var claimsAllowed = await app.CreateKeyAsync(shop, new { allowed_ips = new[] { "203.0.113.7" } });
        var loopback = await app.CreateKeyAsync(shop, new { allowed_ips = new[] { "127.0.0.0/8", "::1" } });

        Assert.Equal(new ApiCall(401, ApiKeyCalls.InvalidCredentials, null), await app.BalanceAsync(claimsAllowed, "203.0.113.7"));
        Assert.Equal(200, (await app.BalanceAsync(loopback, "203.0.113.9")).Status);

        var row = Assert.Single(await app.WithDbAsync(db => db.AuditLog.Where(a => a.Action == ResellerAuthenticator.RefusedAddressAction).ToListAsync()));
        Assert.Equal(("127.0.0.1", $"api-key:{claimsAllowed.Id}"), (row.RemoteIp, row.Target));
    }
}
