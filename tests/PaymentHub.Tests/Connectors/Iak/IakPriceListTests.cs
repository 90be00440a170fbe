using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Iak;

public sealed class IakPriceListTests
{
    private const string Sync = "/admin/v1/connectors/iak/price-list/sync";
    private const string Products = "/admin/v1/connectors/iak/products";

    [Fact]
    public async Task Price_list_sync_stores_iaks_products_read_with_the_documented_sign()
    {
        await using var t = await IakHarness.StartAsync("pricelist", "pricelist");
        var reply = await t.App.AdminPostAsync(Sync, new { });
        Assert.Equal(3, reply["count"]!.GetValue<int>());
        Assert.Equal(3, reply["added"]!.GetValue<int>());
        Assert.Empty(reply["delisted"]!.AsArray());
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath,
            $"\"commands\":\"pricelist-pasca\",\"username\":\"{IakHarness.Username}\",\"sign\":\"{IakHarness.Sign("pl")}\",\"status\":\"all\""));

        var stored = (await t.App.AdminGetAsync(Products)).AsArray();
        Assert.Equal(["BPJS", "PDAMKOTA.BDG", "PLNPOSTPAID"], stored.Select(p => p!["code"]!.GetValue<string>()));
        var pln = Product(stored, "PLNPOSTPAID");
        Assert.Equal("PLN Pascabayar", pln["name"]!.GetValue<string>());
        Assert.Equal(("pln", "pln"), (pln["type"]!.GetValue<string>(), pln["category"]!.GetValue<string>()));
        Assert.Equal(2500m, pln["admin_fee"]!.GetValue<decimal>());
        Assert.Equal(600m, pln["iak_commission"]!.GetValue<decimal>());
        Assert.Equal("active", pln["status"]!.GetValue<string>());
        Assert.True(pln["listed"]!.GetValue<bool>());
        Assert.Equal(reply["synced_at"]!.GetValue<DateTime>(), pln["synced_at"]!.GetValue<DateTime>());
        // Numbers sent as strings are read too; status 4 is "non active".
        Assert.Equal(1000m, Product(stored, "BPJS")["iak_commission"]!.GetValue<decimal>());
        Assert.Equal("inactive", Product(stored, "PDAMKOTA.BDG")["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_second_sync_updates_the_products_and_marks_those_iak_no_longer_lists_inactive()
    {
        await using var t = await IakHarness.StartAsync("pricelist_twice", "pricelist-then-shorter");
        var first = await t.App.AdminPostAsync(Sync, new { });
        var second = await t.App.AdminPostAsync(Sync, new { });
        Assert.Equal((2, 0), (second["count"]!.GetValue<int>(), second["added"]!.GetValue<int>()));
        Assert.Equal(["BPJS"], second["delisted"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(2, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"sign\":\"{IakHarness.Sign("pl")}\""));

        var stored = (await t.App.AdminGetAsync(Products)).AsArray();
        Assert.Equal(3, stored.Count);
        var bpjs = Product(stored, "BPJS");
        Assert.Equal("inactive", bpjs["status"]!.GetValue<string>());
        Assert.False(bpjs["listed"]!.GetValue<bool>());
        Assert.Equal(second["synced_at"]!.GetValue<DateTime>(), bpjs["delisted_at"]!.GetValue<DateTime>());
        Assert.Equal(first["synced_at"]!.GetValue<DateTime>(), bpjs["synced_at"]!.GetValue<DateTime>());
        var pln = Product(stored, "PLNPOSTPAID");
        Assert.Equal("PLN Pascabayar (Postpaid)", pln["name"]!.GetValue<string>());
        Assert.Equal((3000m, 700m), (pln["admin_fee"]!.GetValue<decimal>(), pln["iak_commission"]!.GetValue<decimal>()));
        Assert.Equal(first["synced_at"]!.GetValue<DateTime>(), pln["first_synced_at"]!.GetValue<DateTime>());
        Assert.Equal("active", Product(stored, "PDAMKOTA.BDG")["status"]!.GetValue<string>());
        Assert.Equal(["PDAMKOTA.BDG", "PLNPOSTPAID"],
            (await t.App.AdminGetAsync(Products + "?status=active")).AsArray().Select(p => p!["code"]!.GetValue<string>()));
        Assert.Equal(["PLNPOSTPAID"], (await t.App.AdminGetAsync(Products + "?type=pln")).AsArray().Select(p => p!["code"]!.GetValue<string>()));

        // The same list again delists nothing new and keeps when BPJS went away.
        var third = await t.App.AdminPostAsync(Sync, new { });
        Assert.Empty(third["delisted"]!.AsArray());
        Assert.Equal(second["synced_at"]!.GetValue<DateTime>(),
            Product((await t.App.AdminGetAsync(Products)).AsArray(), "BPJS")["delisted_at"]!.GetValue<DateTime>());

        // A delisted product cannot become a service; one IAK now lists as active can.
        var bpjsService = await t.App.AdminPostAsync($"{Products}/BPJS/services", ServiceBody(t.ProviderId), 409);
        Assert.Contains("no longer lists", bpjsService["detail"]!.GetValue<string>());
        await t.App.AdminPostAsync($"{Products}/PDAMKOTA.BDG/services", ServiceBody(t.ProviderId), 201);
    }

    [Fact]
    public async Task An_empty_price_list_from_iak_changes_nothing()
    {
        await using var t = await IakHarness.StartAsync("pricelist_empty", "pricelist-then-empty");
        await t.App.AdminPostAsync(Sync, new { });
        var refused = await t.App.AdminPostAsync(Sync, new { }, 502);
        Assert.Equal("IAK returned an empty price list.", refused["title"]!.GetValue<string>());
        var stored = (await t.App.AdminGetAsync(Products)).AsArray();
        Assert.Equal(3, stored.Count);
        Assert.All(stored, p => Assert.True(p!["listed"]!.GetValue<bool>()));
        Assert.Equal(2, await t.Iak.CountAsync(IakHarness.CheckPath, "\"commands\":\"pricelist-pasca\""));
    }

    [Fact]
    public async Task A_service_created_from_a_synced_product_pays_its_bills_through_iak_with_that_product_code()
    {
        await using var t = await IakHarness.StartAsync("product_service", "pricelist", "inquiry-success", "pay-success");
        // Before a sync IAK's products are unknown.
        await t.App.AdminPostAsync($"{Products}/BPJS/services", ServiceBody(t.ProviderId), 404);
        await t.App.AdminPostAsync(Sync, new { });
        await t.App.AdminPostAsync($"{Products}/NOPE/services", ServiceBody(t.ProviderId), 404);
        await t.App.AdminPostAsync($"{Products}/BPJS/services", ServiceBody(999), 404);
        var nonActive = await t.App.AdminPostAsync($"{Products}/PDAMKOTA.BDG/services", ServiceBody(t.ProviderId), 409);
        Assert.Contains("non active", nonActive["detail"]!.GetValue<string>());
        var invalid = await t.App.AdminPostAsync($"{Products}/BPJS/services", new { provider_id = t.ProviderId, module_fields = new[] { "customer_id" },
            min_amount = 0m, max_amount = 1_000_000m }, 400);
        Assert.NotNull(invalid["errors"]!["MinAmount"]);

        var service = await t.App.AdminPostAsync($"{Products}/BPJS/services", ServiceBody(t.ProviderId), 201);
        Assert.Equal("BPJS Kesehatan", service["name"]!.GetValue<string>());
        Assert.Equal(("iak", "BPJS"), (service["connector"]!.GetValue<string>(), service["connector_product_code"]!.GetValue<string>()));
        Assert.Equal((0m, 0m), (service["fee"]!.GetValue<decimal>(), service["commission"]!.GetValue<decimal>()));
        Assert.Equal("active", service["status"]!.GetValue<string>());

        var (status, body) = await t.Shop.BillAsync("submit", ("provider_id", IakHarness.Id(t.ProviderId)),
            ("service_id", service["id"]!.ToString()), ("amount", "302500"), ("customer_id", "8801234560001"));
        Assert.True(status == 200, body.ToJsonString());
        var final = await t.WaitForFinalAsync(body["order_number"]!.GetValue<string>());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("0B7D21F4A9C3E5D61820FF3A77C1E902", final["token_number"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, "\"code\":\"BPJS\",\"hp\":\"8801234560001\""));
    }

    [Fact]
    public async Task Price_list_sync_answers_502_when_iak_does_not_answer_and_swagger_documents_the_product_endpoints()
    {
        await using var t = await IakHarness.StartAsync("pricelist_down");
        await t.App.AdminPostAsync(Sync, new { }, 502);
        Assert.Empty((await t.App.AdminGetAsync(Products)).AsArray());

        using var client = t.App.CreateClient();
        var paths = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!["paths"]!;
        Assert.Contains("stores it", paths[Sync]!["post"]!["summary"]!.GetValue<string>());
        Assert.NotNull(paths[Products]!["get"]);
        Assert.Contains("connector_product_code", paths[Products + "/{code}/services"]!["post"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Price_list_sync_is_404_and_iak_is_not_offered_when_the_connector_is_not_configured()
    {
        await using var app = await PaymentHubApp.StartAsync("iak_unconfigured");
        await app.AdminPostAsync(Sync, new { }, 404);
        await app.AdminPostAsync("/admin/v1/providers", new { name = "PLN", logo = "pln.png" }, 201);
        await app.AdminPostAsync($"{Products}/PLNPOSTPAID/services", ServiceBody(1), 404);
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

    private static object ServiceBody(int providerId) =>
        new { provider_id = providerId, module_fields = new[] { "customer_id" }, min_amount = 10m, max_amount = 1_000_000m };

    private static JsonNode Product(JsonArray products, string code) => products.Single(p => p!["code"]!.GetValue<string>() == code)!;
}
