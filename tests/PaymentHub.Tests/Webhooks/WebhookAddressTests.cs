using System.Net;
using System.Net.Http.Json;
using PaymentHub.Tests.Infrastructure;
using PaymentHub.Webhooks;

namespace PaymentHub.Tests.Webhooks;

/// <summary>The SSRF guard, in a non-Development setting (local endpoints not allowed, as in Production).</summary>
public sealed class WebhookAddressTests(WebhookAddressTests.Gateway gateway) : IClassFixture<WebhookAddressTests.Gateway>
{
    /// <summary>Only one test sends (and expects one delivery); no other makes an endpoint, and each makes its own reseller.</summary>
    public sealed class Gateway() : WebhookGateway("webhooks_ssrf", allowLocal: false);

    private readonly PaymentHubApp _app = gateway.App;

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:a00:1::1")]
    public void Private_and_reserved_addresses_are_not_public(string address) =>
        Assert.False(WebhookAddressGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_public(string address) => Assert.True(WebhookAddressGuard.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://example.com/hook")]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[::ffff:192.168.0.1]/hook")]
    [InlineData("https://user:pw@example.com/hook")]
    [InlineData("ftp://example.com/hook")]
    [InlineData("example.com/hook")]
    public async Task Endpoints_that_are_not_public_https_are_refused_when_created(string url)
    {
        var shop = await _app.CreateResellerAsync(0m, "Refused Shop");
        using var admin = _app.Admin();
        var response = await admin.PostAsJsonAsync($"/admin/v1/resellers/{shop.Id}/webhooks", new { url, events = new[] { "wallet.credited" } });
        Assert.Equal(422, (int)response.StatusCode);
        Assert.Empty(await _app.WithDbAsync(db => Task.FromResult(db.WebhookEndpoints.Where(e => e.ResellerId == shop.Id).ToList())));
    }

    [Fact]
    public async Task A_host_that_resolves_to_a_private_address_at_send_time_is_refused_and_the_money_still_moves()
    {
        // The machine's own name resolves (from /etc/hosts, no network needed) to a loopback or private address.
        var host = Dns.GetHostName();
        var addresses = await Dns.GetHostAddressesAsync(host);
        Assert.NotEmpty(addresses);
        Assert.All(addresses, a => Assert.False(WebhookAddressGuard.IsPublic(a)));
        await using var receiver = await WireMockScope.StartAsync("ssrf");
        receiver.Answer(200);

        var shop = await _app.CreateResellerAsync(0m, "SSRF Shop");
        var (endpointId, _) = await _app.CreateEndpointAsync(shop.Id, $"https://{host}:{new Uri(receiver.ServerUrl).Port}/{receiver.Prefix}/hook",
            "wallet.credited");
        await _app.CreditAsync(shop.Id, 30m);
        Assert.Equal(1, await _app.RunSenderAsync());

        var attempt = Assert.Single(await _app.DeliveriesAsync(endpointId))!["attempt_log"]!.AsArray().Single()!;
        Assert.StartsWith($"Refused: {host} resolves only to private", attempt["error"]!.GetValue<string>());
        Assert.Null(attempt["status_code"]);
        Assert.Empty(receiver.Requests);
        Assert.Equal(30m, await shop.BalanceAsync());
    }
}
