using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// The gateways' return URLs come from Funding:PublicBaseUrl; only in Development from the request's own host. In
/// Production without the setting no top-up is offered at all, so a forged Host header never reaches a gateway.
/// </summary>
public sealed class PublicBaseUrlTests
{
    private const string ForgedHost = "evil.example.test";

    private static async Task<(int Status, JsonNode Body)> AddFundWithHostAsync(FundingHarness t, string host) =>
        await t.Shop.PostFormAsync("/api/wallet.php?action=add_fund", [("amount", "100"), ("gateway", "shurjopay")],
            request => request.Headers.Host = host);

    [Fact]
    public async Task Production_without_a_public_base_url_offers_no_funding_and_ignores_the_host_header()
    {
        await using var t = await FundingHarness.StartAsync("prod_no_public_url",
            new Dictionary<string, string?> { ["environment"] = "Production", ["Funding:PublicBaseUrl"] = "" });
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();

        var logFrom = t.App.LogLength;
        var (status, body) = await AddFundWithHostAsync(t, ForgedHost);
        Assert.Equal(422, status);
        Assert.Equal("""{"error":"This payment gateway is not available."}""", body.ToJsonString());

        using var admin = t.App.Admin();
        admin.DefaultRequestHeaders.Host = ForgedHost;
        using var started = await admin.PostAsync($"/admin/v1/resellers/{t.Shop.Id}/topups",
            new StringContent("""{"amount":100,"gateway":"shurjopay"}""", System.Text.Encoding.UTF8, "application/json"));
        var problem = JsonNode.Parse(await started.Content.ReadAsStringAsync())!;
        Assert.Equal(422, (int)started.StatusCode);
        Assert.Equal("application/problem+json", started.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Funding:PublicBaseUrl", problem["detail"]!.GetValue<string>());

        var gateways = (await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray();
        Assert.All(gateways, g => Assert.False(g!["is_configured"]!.GetValue<bool>()));

        Assert.Equal(0, await t.App.WithDbAsync(db => db.TopUps.CountAsync()));
        Assert.Equal(0, await t.SpCallsAsync("get_token"));
        Assert.Equal(0, await t.SpCallsAsync("secret-pay"));
        var log = t.App.ReadLogSince(logFrom);
        Assert.Contains("Funding:PublicBaseUrl is not set", log);
        Assert.DoesNotContain(ForgedHost, log);
        Assert.DoesNotContain("\"Level\":\"Error\"", log);
    }

    [Fact]
    public async Task Production_with_a_public_base_url_sends_that_url_whatever_the_host_header_says()
    {
        await using var t = await FundingHarness.StartAsync("prod_public_url", new Dictionary<string, string?> { ["environment"] = "Production" });
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();

        var (status, body) = await AddFundWithHostAsync(t, ForgedHost);
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", $"\"return_url\":\"{FundingHarness.PublicBaseUrl}/payments/shurjopay/return\""));
        Assert.Equal(0, await t.SpCallsAsync("secret-pay", ForgedHost));
        Assert.True((await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray()
            .Single(g => g!["gateway"]!.GetValue<string>() == "shurjopay")!["is_configured"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Testing_and_staging_hosts_never_use_the_host_header_either()
    {
        await using var t = await FundingHarness.StartAsync("staging_no_public_url",
            new Dictionary<string, string?> { ["environment"] = "Staging", ["Funding:PublicBaseUrl"] = "" });
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();

        var (status, _) = await AddFundWithHostAsync(t, ForgedHost);
        Assert.Equal(422, status);
        Assert.Equal(0, await t.SpCallsAsync("secret-pay"));
        Assert.Equal(0, await t.App.WithDbAsync(db => db.TopUps.CountAsync()));
    }

    [Fact]
    public async Task Development_without_a_public_base_url_uses_the_requests_own_host()
    {
        await using var t = await FundingHarness.StartAsync("dev_request_host",
            new Dictionary<string, string?> { ["environment"] = "Development", ["Funding:PublicBaseUrl"] = "" });
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();

        var (status, body) = await AddFundWithHostAsync(t, "localhost:5080");
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", "\"return_url\":\"http://localhost:5080/payments/shurjopay/return\""));
    }
}
