using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// The recharge admin API: operators, reward settings, cashback offers and the recharge list. Each test works on its own
/// operator(s), so that settings one test changes never reach another's recharges.
/// </summary>
public sealed class RechargeAdminTests(GatewayFixture fixture) : GatewayTest(fixture, "recharge_admin"), IClassFixture<GatewayFixture>
{
    protected override async Task SeedAsync()
    {
        foreach (var code in new[] { "GP", "GP%20ST", "BL", "RB", "AT" })
        {
            Assert.Equal(200, (await PatchAsync(code, new { connector = "sandbox" })).Status);
        }
    }

    private async Task<(int Status, JsonNode Body)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var admin = App.Admin();
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }

    private Task<(int Status, JsonNode Body)> PatchAsync(string code, object body) => SendAsync(HttpMethod.Patch, $"/admin/v1/operators/{code}", body);

    private async Task<JsonNode> OperatorAsync(string code) =>
        (await App.AdminGetAsync("/admin/v1/operators")).AsArray().Single(o => o!["code"]!.GetValue<string>() == code)!;

    private static async Task<JsonNode> RechargeAsync(TestReseller shop, string phone, string amount, string op, int expectedStatus = 200)
    {
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", amount), ("operator", op)]);
        Assert.True(status == expectedStatus, $"Expected HTTP {expectedStatus}, got {status}: {body.ToJsonString()}");
        return body;
    }

    /// <summary>The status, and a text that the problem's title, detail or validation errors contain.</summary>
    private static void AssertProblem((int Status, JsonNode Body) reply, int status, string textPart)
    {
        Assert.Equal(status, reply.Status);
        Assert.Contains(textPart, string.Join("\n", Texts(reply.Body)));
    }

    private static IEnumerable<string> Texts(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Texts(p.Value).Prepend(p.Key)),
        JsonArray a => a.SelectMany(Texts),
        JsonValue v when v.TryGetValue<string>(out var text) => [text],
        _ => [],
    };

    [Fact]
    public async Task Operators_are_listed_in_the_seed_order_with_their_settings()
    {
        var operators = (await App.AdminGetAsync("/admin/v1/operators")).AsArray();
        Assert.Equal(["GP", "GP ST", "BL", "RB", "AT", "TT"], operators.Select(o => o!["code"]!.GetValue<string>()));
        var tt = operators.Single(o => o!["code"]!.GetValue<string>() == "TT")!;
        Assert.Equal("Teletalk", tt["name"]!.GetValue<string>());
        Assert.Equal(["015"], tt["prefixes"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(10m, tt["prepaid_min"]!.GetValue<decimal>());
        Assert.Equal(1000m, tt["prepaid_max"]!.GetValue<decimal>());
        Assert.Equal(10m, tt["postpaid_min"]!.GetValue<decimal>());
        Assert.Equal(10_000m, tt["postpaid_max"]!.GetValue<decimal>());
        Assert.Equal("percent", tt["prepaid_commission_type"]!.GetValue<string>());
        Assert.Equal(1m, tt["prepaid_commission"]!.GetValue<decimal>());
        Assert.Equal(0.5m, tt["postpaid_commission"]!.GetValue<decimal>());
        Assert.Equal("manual", tt["connector"]!.GetValue<string>());
        Assert.True(tt["active"]!.GetValue<bool>());
        Assert.Equal(["017", "013"], operators[1]!["prefixes"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(404, (await PatchAsync("XX", new { active = true })).Status);
    }

    [Fact]
    public async Task Name_prefixes_and_limits_can_be_changed_and_the_reseller_api_follows()
    {
        var renamed = await PatchAsync("RB", new { name = "Robi Axiata", prefixes = new[] { "018", "016" }, prepaid_min = 30m, prepaid_max = 500m });
        Assert.Equal(200, renamed.Status);
        Assert.Equal(["018", "016"], renamed.Body["prefixes"]!.AsArray().Select(p => p!.GetValue<string>()));
        var shop = await App.CreateResellerAsync(1_000m);

        var recharged = await RechargeAsync(shop, "01612345678", "30", "RB");
        Assert.Equal("Success", recharged["status"]!.GetValue<string>());
        Assert.Equal("Robi Axiata", recharged["operator_name"]!.GetValue<string>());
        var tooSmall = await RechargeAsync(shop, "01812345678", "29.99", "RB", 422);
        Assert.Equal("30.00", tooSmall["min_amount"]!.GetValue<string>());
        Assert.Equal("500.00", tooSmall["max_amount"]!.GetValue<string>());
        await RechargeAsync(shop, "01812345678", "500.01", "RB", 422);
        Assert.Equal("Invalid operator number for this recharge.", (await RechargeAsync(shop, "01912345678", "30", "RB", 422))["error"]!.GetValue<string>());

        AssertProblem(await PatchAsync("RB", new { prefixes = new[] { "012" } }), 400, "013 to 019");
        AssertProblem(await PatchAsync("RB", new { prefixes = Array.Empty<string>() }), 400, "Prefixes");
        AssertProblem(await PatchAsync("RB", new { prepaid_max = 29m }), 400, "Maximums must not be below minimums");
        AssertProblem(await PatchAsync("RB", new { name = "" }), 400, "Name");
        var unchanged = await OperatorAsync("RB");
        Assert.Equal("Robi Axiata", unchanged["name"]!.GetValue<string>());
        Assert.Equal(30m, unchanged["prepaid_min"]!.GetValue<decimal>());
        Assert.Equal(500m, unchanged["prepaid_max"]!.GetValue<decimal>());
        Assert.Equal(2, unchanged["prefixes"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_commission_that_could_reach_the_amount_is_refused_and_nothing_changes()
    {
        // AT prepaid starts at 20 BDT: a fixed commission of 20 would make a 20 BDT recharge free.
        AssertProblem(await PatchAsync("AT", new { prepaid_commission_type = "fixed", prepaid_commission = 50m }), 400, "below the prepaid minimum amount (20.00)");
        AssertProblem(await PatchAsync("AT", new { prepaid_commission_type = "fixed", prepaid_commission = 20m }), 400, "below the prepaid minimum amount");
        AssertProblem(await PatchAsync("AT", new { postpaid_commission_type = "fixed", postpaid_commission = 10m }), 400, "below the postpaid minimum amount (10.00)");
        AssertProblem(await PatchAsync("AT", new { prepaid_commission_type = "percent", prepaid_commission = 100m }), 400, "below 100");
        AssertProblem(await PatchAsync("AT", new { postpaid_commission = 100.5m }), 400, "below 100");
        AssertProblem(await PatchAsync("AT", new { prepaid_commission_type = "1", prepaid_commission = 1m }), 400, "'percent' or 'fixed'");
        var untouched = await OperatorAsync("AT");
        Assert.Equal("percent", untouched["prepaid_commission_type"]!.GetValue<string>());
        Assert.Equal(1m, untouched["prepaid_commission"]!.GetValue<decimal>());
        Assert.Equal("percent", untouched["postpaid_commission_type"]!.GetValue<string>());

        var accepted = await PatchAsync("AT", new { prepaid_commission_type = "fixed", prepaid_commission = 19.99m });
        Assert.Equal(200, accepted.Status);
        // Lowering the minimum to the fixed commission would open the same hole.
        AssertProblem(await PatchAsync("AT", new { prepaid_min = 19.99m }), 400, "below the prepaid minimum amount (19.99)");
        Assert.Equal(20m, (await OperatorAsync("AT"))["prepaid_min"]!.GetValue<decimal>());

        var shop = await App.CreateResellerAsync(100m);
        var recharge = await RechargeAsync(shop, "01612345678", "20", "AT");
        Assert.Equal("19.99", recharge["commission_amount"]!.GetValue<string>());
        Assert.Equal("99.99", recharge["after_balance"]!.GetValue<string>());
        Assert.Equal(99.99m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task An_inactive_operator_is_refused_and_left_out_of_allowed_operator()
    {
        var shop = await App.CreateResellerAsync(100m);
        // A recharge first, so that the gateway holds the operators in its cache: the admin change must still apply at once.
        Assert.Equal("Success", (await RechargeAsync(shop, "01912345678", "20", "BL"))["status"]!.GetValue<string>());
        var balance = await shop.BalanceAsync();
        Assert.False((await PatchAsync("BL", new { active = false })).Body["active"]!.GetValue<bool>());
        try
        {
            var refused = await RechargeAsync(shop, "01912345678", "20", "BL", 422);
            Assert.Equal("Invalid operator.", refused["error"]!.GetValue<string>());
            Assert.Equal(["GP", "GP ST", "RB", "AT", "TT"], refused["allowed_operator"]!.AsArray().Select(c => c!.GetValue<string>()));
            Assert.Equal(balance, await shop.BalanceAsync());
        }
        finally
        {
            Assert.Equal(200, (await PatchAsync("BL", new { active = true })).Status);
        }
        Assert.Equal("Success", (await RechargeAsync(shop, "01912345678", "20", "BL"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reward_settings_can_be_read_and_a_new_points_rate_applies_to_the_next_recharge()
    {
        Assert.Equal(0.5m, (await App.AdminGetAsync("/admin/v1/rewards/settings"))["points_percent"]!.GetValue<decimal>());
        var shop = await App.CreateResellerAsync(1_000m);
        Assert.Equal(0.50m, (await RechargeAsync(shop, "01712345678", "100", "GP"))["reward"]!["points"]!["points"]!.GetValue<decimal>());

        Assert.Equal(400, (await SendAsync(HttpMethod.Put, "/admin/v1/rewards/settings", new { points_percent = 100.5m })).Status);
        var put = await SendAsync(HttpMethod.Put, "/admin/v1/rewards/settings", new { points_percent = 2.5m });
        Assert.Equal(200, put.Status);
        try
        {
            Assert.Equal(2.5m, (await App.AdminGetAsync("/admin/v1/rewards/settings"))["points_percent"]!.GetValue<decimal>());
            Assert.Equal(2.50m, (await RechargeAsync(shop, "01712345678", "100", "GP"))["reward"]!["points"]!["points"]!.GetValue<decimal>());
        }
        finally
        {
            Assert.Equal(200, (await SendAsync(HttpMethod.Put, "/admin/v1/rewards/settings", new { points_percent = 0.5m })).Status);
        }
        Assert.Equal(3.00m, await App.WithDbAsync(db => db.ResellerRewardAccounts.Where(a => a.ResellerId == shop.Id).Select(a => a.LifetimePoints).SingleAsync()));
    }

    [Fact]
    public async Task Cashback_offers_are_listed_changed_capped_scheduled_and_deactivated()
    {
        var now = DateTime.UtcNow;
        object Offer(string type, decimal value, decimal? cap, string? op = "GP ST", DateTime? from = null) => new
        {
            name = "Skitto " + type, operator_code = op, min_amount = 20m, type, value, max_cashback = cap,
            valid_from = from ?? now.AddHours(-1), valid_until = now.AddDays(1), max_per_reseller_per_day = 10,
        };

        var unknown = await SendAsync(HttpMethod.Post, "/admin/v1/cashback-offers", Offer("fixed", 5m, null, op: "XX"));
        AssertProblem(unknown, 400, "operator_code must be one of GP, GP ST, BL, RB, AT, TT");
        Assert.Equal(400, (await SendAsync(HttpMethod.Post, "/admin/v1/cashback-offers", Offer("fixed", 5m, null, op: "gp st"))).Status);
        Assert.Equal(400, (await SendAsync(HttpMethod.Post, "/admin/v1/cashback-offers", Offer("1", 5m, null))).Status);
        Assert.Equal(0, await App.WithDbAsync(db => db.CashbackOffers.CountAsync()));

        var created = await SendAsync(HttpMethod.Post, "/admin/v1/cashback-offers", Offer("percent", 10m, 3m));
        Assert.Equal(201, created.Status);
        Assert.Equal("percent", created.Body["type"]!.GetValue<string>());
        var id = created.Body["id"]!.GetValue<int>();
        var listed = Assert.Single((await App.AdminGetAsync("/admin/v1/cashback-offers")).AsArray(), o => o!["id"]!.GetValue<int>() == id)!;
        Assert.Equal("percent", listed["type"]!.GetValue<string>());
        Assert.Equal(3m, listed["max_cashback"]!.GetValue<decimal>());
        Assert.True(listed["is_active"]!.GetValue<bool>());

        var shop = await App.CreateResellerAsync(1_000m);
        // 10% of 20 is 2.00, under the cap; 10% of 100 is 10.00, capped at 3.00.
        Assert.Equal("2.00", (await RechargeAsync(shop, "01712345678", "20", "GP ST"))["reward"]!["cashback"]!["amount"]!.GetValue<string>());
        Assert.Equal("3.00", (await RechargeAsync(shop, "01712345678", "100", "GP ST"))["reward"]!["cashback"]!["amount"]!.GetValue<string>());
        Assert.Equal(1_000m - 19.80m + 2m - 99m + 3m, await shop.BalanceAsync());

        var changed = await SendAsync(HttpMethod.Put, $"/admin/v1/cashback-offers/{id}", Offer("fixed", 4m, null));
        Assert.Equal(200, changed.Status);
        Assert.Equal("fixed", changed.Body["type"]!.GetValue<string>());
        Assert.Equal("4.00", (await RechargeAsync(shop, "01712345678", "20", "GP ST"))["reward"]!["cashback"]!["amount"]!.GetValue<string>());
        Assert.Equal(404, (await SendAsync(HttpMethod.Put, "/admin/v1/cashback-offers/987654", Offer("fixed", 4m, null))).Status);
        AssertProblem(await SendAsync(HttpMethod.Put, $"/admin/v1/cashback-offers/{id}", Offer("fixed", 4m, null, op: "XX")), 400, "Unknown operator");

        Assert.Equal(204, (await SendAsync(HttpMethod.Delete, $"/admin/v1/cashback-offers/{id}")).Status);
        Assert.Equal(404, (await SendAsync(HttpMethod.Delete, "/admin/v1/cashback-offers/987654")).Status);
        Assert.False((await App.AdminGetAsync("/admin/v1/cashback-offers")).AsArray().Single(o => o!["id"]!.GetValue<int>() == id)!["is_active"]!.GetValue<bool>());
        Assert.Equal("No eligible active offer found",
            (await RechargeAsync(shop, "01712345678", "20", "GP ST"))["reward"]!["cashback"]!["message"]!.GetValue<string>());

        // An offer whose window has not opened yet pays nothing.
        Assert.Equal(201, (await SendAsync(HttpMethod.Post, "/admin/v1/cashback-offers", Offer("fixed", 5m, null, from: now.AddHours(1)))).Status);
        Assert.Equal("No eligible active offer found",
            (await RechargeAsync(shop, "01712345678", "20", "GP ST"))["reward"]!["cashback"]!["message"]!.GetValue<string>());
        Assert.Equal(3, await App.WithDbAsync(db => db.CashbackGrants.CountAsync(g => g.ResellerId == shop.Id)));
        Assert.Equal(9m, await App.WithDbAsync(db => db.CashbackGrants.Where(g => g.ResellerId == shop.Id).SumAsync(g => g.Amount)));
    }

    [Fact]
    public async Task The_recharge_list_filters_by_status_and_flagged_and_refuses_an_unknown_status()
    {
        var shop = await App.CreateResellerAsync(500m);
        var waiting = (await RechargeAsync(shop, "01512345678", "50", "TT"))["order_number"]!.GetValue<string>();
        var done = (await RechargeAsync(shop, "01912345678", "20", "BL"))["order_number"]!.GetValue<string>();
        var failed = (await RechargeAsync(shop, "01912340000", "20", "BL"))["order_number"]!.GetValue<string>();
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET flagged_at = now(), flag_reason = 'checked by hand' WHERE order_number = '{waiting}'");

        async Task<List<string>> ListAsync(string query) =>
            (await App.AdminGetAsync($"/admin/v1/recharges?reseller_id={shop.Id}&{query}")).AsArray().Select(o => o!["order_number"]!.GetValue<string>()).ToList();
        Assert.Equal([waiting], await ListAsync("status=Processing"));
        Assert.Equal([done], await ListAsync("status=success"));
        Assert.Equal([failed], await ListAsync("status=FAILED"));
        Assert.Equal([waiting], await ListAsync("flagged=true"));
        Assert.Equal([failed, done], await ListAsync("flagged=false"));
        Assert.Equal([waiting], await ListAsync("status=processing&flagged=true"));
        Assert.Empty(await ListAsync("status=success&flagged=true"));

        foreach (var bad in new[] { "Cancelled", "1", "Success,Failed", "" })
        {
            using var admin = App.Admin();
            var response = await admin.GetAsync($"/admin/v1/recharges?status={Uri.EscapeDataString(bad)}");
            Assert.Equal(400, (int)response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Processing, Success, Failed", await response.Content.ReadAsStringAsync());
        }

        await App.AdminPostAsync($"/admin/v1/recharges/{waiting}/complete", new { operator_transaction_id = "TT-LIST-1" }, 204);
        Assert.Empty(await ListAsync("status=Processing"));
    }
}
