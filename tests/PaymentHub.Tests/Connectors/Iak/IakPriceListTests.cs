using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Iak;

public sealed class IakPriceListTests
{
    [Fact]
    public async Task Price_list_sync_returns_iaks_products_with_the_documented_sign()
    {
        await using var t = await IakHarness.StartAsync("pricelist", "pricelist");
        var reply = await t.App.AdminPostAsync("/admin/v1/connectors/iak/price-list/sync", new { });
        Assert.Equal(3, reply["count"]!.GetValue<int>());
        var products = reply["products"]!.AsArray();
        var pln = products.Single(p => p!["code"]!.GetValue<string>() == "PLNPOSTPAID")!;
        Assert.Equal(2500m, pln["fee"]!.GetValue<decimal>());
        Assert.Equal(600m, pln["commission"]!.GetValue<decimal>());
        Assert.True(pln["active"]!.GetValue<bool>());
        // Numbers sent as strings are read too; status 4 is "non active".
        Assert.Equal(1000m, products.Single(p => p!["code"]!.GetValue<string>() == "BPJS")!["commission"]!.GetValue<decimal>());
        Assert.False(products.Single(p => p!["code"]!.GetValue<string>() == "PDAMKOTA.BDG")!["active"]!.GetValue<bool>());
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath,
            $"\"commands\":\"pricelist-pasca\",\"username\":\"{IakHarness.Username}\",\"sign\":\"{IakHarness.Sign("pl")}\",\"status\":\"all\""));
    }

    [Fact]
    public async Task Price_list_sync_answers_502_when_iak_does_not_answer()
    {
        await using var t = await IakHarness.StartAsync("pricelist_down");
        await t.App.AdminPostAsync("/admin/v1/connectors/iak/price-list/sync", new { }, 502);
    }

    [Fact]
    public async Task Price_list_sync_is_404_and_iak_is_not_offered_when_the_connector_is_not_configured()
    {
        await using var app = await PaymentHubApp.StartAsync("iak_unconfigured");
        await app.AdminPostAsync("/admin/v1/connectors/iak/price-list/sync", new { }, 404);
        await app.AdminPostAsync("/admin/v1/providers", new { name = "PLN", logo = "pln.png" }, 201);
        using var admin = app.Admin();
        var response = await admin.PostAsync("/admin/v1/providers/1/services", new StringContent(
            """{"name":"X","logo":"x.png","module_fields":["meter_number"],"min_amount":10,"max_amount":100,"fee":0,"commission":0,"connector":"iak"}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("iak", await response.Content.ReadAsStringAsync());
        await app.AssertLedgerOkAsync();
    }

    [Fact]
    public async Task A_base_url_without_credentials_stops_the_gateway_from_starting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => PaymentHubApp.StartAsync("iak_misconfigured", new Dictionary<string, string?>
        {
            ["Connectors:Iak:BaseUrl"] = "http://127.0.0.1:9/",
            ["Connectors:Iak:Username"] = IakHarness.Username,
        }));
        Assert.Contains("Connectors:Iak needs", error.ToString());
    }
}
