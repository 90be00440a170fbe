using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentHub.Connectors.Sandbox;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Recharge;

[RunsLong(19)]
public sealed class RechargeApiTests(GatewayFixture fixture) : GatewayTest(fixture, "recharge_api"), IClassFixture<GatewayFixture>
{

    protected override async Task SeedAsync()
    {
        foreach (var code in new[] { "GP", "GP%20ST", "BL", "RB", "AT", "TT" })
        {
            await PatchOperatorAsync(code, new { connector = "sandbox" });
        }
    }

    private async Task PatchOperatorAsync(string code, object body)
    {
        using var admin = App.Admin();
        var response = await admin.PatchAsync($"/admin/v1/operators/{code}", JsonContent.Create(body));
        Assert.Equal(200, (int)response.StatusCode);
    }

    private static Task<(int Status, JsonNode Body)> Recharge(TestReseller shop, string phone, string amount, string op, string? accountType = null, string? requestId = null)
    {
        var fields = new List<(string, string)> { ("phone", phone), ("amount", amount), ("operator", op) };
        if (accountType is not null)
        {
            fields.Add(("account_type", accountType));
        }
        if (requestId is not null)
        {
            fields.Add(("request_id", requestId));
        }
        return shop.PostFormAsync("/api/mobile-recharge.php", fields.ToArray());
    }

    [Fact]
    public async Task A_successful_recharge_has_the_seed_shape_commission_and_balances()
    {
        var shop = await App.CreateResellerAsync(1_000m, "Customer Name");
        var (status, body) = await Recharge(shop, "01712345678", "20", "GP", "prepaid");
        Assert.Equal(200, status);
        var expectedKeys = new[] { "success", "full_name", "phone", "amount", "operator_name", "commission_amount", "before_balance", "after_balance",
            "operator_transaction_id", "status", "reward", "order_number" };
        Assert.Equal(expectedKeys, body.AsObject().Select(p => p.Key));
        Assert.True(body["success"]!.GetValue<bool>());
        Assert.Equal("Customer Name", body["full_name"]!.GetValue<string>());
        Assert.Equal("01712345678", body["phone"]!.GetValue<string>());
        Assert.Equal("20.00", body["amount"]!.GetValue<string>());
        Assert.Equal("Grameenphone", body["operator_name"]!.GetValue<string>());
        Assert.Equal("0.20", body["commission_amount"]!.GetValue<string>());
        Assert.Equal("1000.00", body["before_balance"]!.GetValue<string>());
        Assert.Equal("980.20", body["after_balance"]!.GetValue<string>());
        Assert.StartsWith("SBX", body["operator_transaction_id"]!.GetValue<string>());
        Assert.Equal("Success", body["status"]!.GetValue<string>());
        var points = body["reward"]!["points"]!;
        Assert.Equal(0.10m, points["points"]!.GetValue<decimal>());
        Assert.Equal(1, points["new_level_id"]!.GetValue<int>());
        Assert.Equal("silver", points["new_level_key"]!.GetValue<string>());
        Assert.Equal("No eligible active offer found", body["reward"]!["cashback"]!["message"]!.GetValue<string>());
        Assert.Equal(980.20m, await shop.BalanceAsync());
    }

    [Theory]
    [InlineData("operator=GP+ST")]
    [InlineData("operator=GP%20ST")]
    public async Task Skitto_arrives_in_both_form_encodings(string encodedOperator)
    {
        var shop = await App.CreateResellerAsync(100m);
        using var client = App.CreateClient();
        var body = $"api_key={shop.ApiKey}&api_secret={shop.ApiSecret}&phone=01312345678&amount=20&{encodedOperator}&account_type=prepaid";
        var response = await client.PostAsync("/api/mobile-recharge.php", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("Grameenphone Skitto", reply["operator_name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("GP", "017", "019")]
    [InlineData("GP", "013", "018")]
    [InlineData("GP ST", "017", "016")]
    [InlineData("GP ST", "013", "015")]
    [InlineData("BL", "019", "017")]
    [InlineData("BL", "014", "013")]
    [InlineData("RB", "018", "016")]
    [InlineData("AT", "016", "018")]
    [InlineData("TT", "015", "019")]
    public async Task Prefixes_must_belong_to_the_operator(string op, string goodPrefix, string badPrefix)
    {
        var shop = await App.CreateResellerAsync(100m);
        Assert.Equal(200, (await Recharge(shop, goodPrefix + "12345678", "20", op)).Status);
        var (status, body) = await Recharge(shop, badPrefix + "12345678", "20", op);
        Assert.Equal(422, status);
        Assert.Equal("Invalid operator number for this recharge.", body["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("01812345678")]
    [InlineData("8801812345678")]
    [InlineData("+8801812345678")]
    public async Task Numbers_are_accepted_in_three_forms_and_answered_in_eleven_digits(string phone)
    {
        var shop = await App.CreateResellerAsync(100m);
        var (status, body) = await Recharge(shop, phone, "20", "RB");
        Assert.Equal(200, status);
        Assert.Equal("01812345678", body["phone"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("+01812345678")]
    [InlineData("+1812345678")]
    [InlineData("1812345678")]
    [InlineData("801812345678")]
    [InlineData("+88801812345678")]
    [InlineData("008801812345678")]
    [InlineData("018 1234 5678")]
    public async Task Numbers_in_any_other_form_are_refused_with_the_seed_error(string phone)
    {
        var shop = await App.CreateResellerAsync(100m);
        Assert.Equal((422, "Invalid operator number for this recharge."), Error(await Recharge(shop, phone, "20", "RB")));
        Assert.Equal(100m, await shop.BalanceAsync());
        Assert.Equal(0, await App.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.ResellerId == shop.Id)));
    }

    [Theory]
    [InlineData("Fixed", "50")]
    [InlineData("Fixed", "20")]
    [InlineData("Percent", "100")]
    public async Task Stored_commission_settings_that_would_make_a_recharge_free_are_refused_before_money_moves(string type, string value)
    {
        // Settings the admin API refuses, written behind its back: the recharge must still never be free.
        var shop = await App.CreateResellerAsync(100m);
        await Sql.ExecuteAsync(App, $"UPDATE mobile_operators SET prepaid_commission_type = '{type}', prepaid_commission = {value} WHERE code = 'GP ST'");
        try
        {
            Assert.Equal((500, "Transaction failed."), Error(await Recharge(shop, "01312345678", "20", "GP ST")));
        }
        finally
        {
            await Sql.ExecuteAsync(App, "UPDATE mobile_operators SET prepaid_commission_type = 'Percent', prepaid_commission = 1 WHERE code = 'GP ST'");
        }
        Assert.Equal(100m, await shop.BalanceAsync());
        Assert.Equal(0, await App.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.ResellerId == shop.Id)));
        Assert.Contains("would give away all of", App.ReadLog());
    }

    [Fact]
    public async Task The_idempotency_key_header_replays_a_recharge_and_charges_once()
    {
        var shop = await App.CreateResellerAsync(100m);
        Task<(int Status, JsonNode Body)> WithHeader(string key, params (string, string)[] extra) => shop.PostFormAsync("/api/mobile-recharge.php",
            [("phone", "01812345678"), ("amount", "20"), ("operator", "RB"), .. extra], request => request.Headers.Add("Idempotency-Key", key));

        var first = await WithHeader("hdr-1");
        Assert.Equal(200, first.Status);
        Assert.Equal("Success", first.Body["status"]!.GetValue<string>());
        var again = await WithHeader("hdr-1");
        Assert.Equal(first.Body.ToJsonString(), again.Body.ToJsonString());
        var sameInForm = await Recharge(shop, "01812345678", "20", "RB", requestId: "hdr-1");
        Assert.Equal(first.Body.ToJsonString(), sameInForm.Body.ToJsonString());
        var both = await WithHeader("hdr-1", ("request_id", "hdr-1"));
        Assert.Equal(first.Body.ToJsonString(), both.Body.ToJsonString());
        Assert.Equal((422, "request_id and the Idempotency-Key header differ."), Error(await WithHeader("hdr-1", ("request_id", "hdr-2"))));
        Assert.Equal(422, (await WithHeader("hdr-1", ("account_type", "postpaid"))).Status);
        Assert.Equal(80.20m, await shop.BalanceAsync());
        Assert.Equal(1, await App.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.ResellerId == shop.Id)));
        var byKey = (await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("request_id", "hdr-1")])).Body;
        Assert.Equal(first.Body["order_number"]!.GetValue<string>(), byKey["order_number"]!.GetValue<string>());
    }

    [Fact]
    public async Task Error_rows_of_the_seed()
    {
        var shop = await App.CreateResellerAsync(25m);
        var balance = await shop.BalanceAsync();

        Assert.Equal((401, "Invalid API credentials."), Error(await Recharge(shop with { ApiSecret = "nope" }, "01712345678", "20", "GP")));
        Assert.Equal((422, "Missing required parameters."), Error(await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "20")])));
        Assert.Equal((422, "Invalid account type."), Error(await Recharge(shop, "01712345678", "20", "GP", "corporate")));
        var invalidOperator = await Recharge(shop, "01712345678", "20", "GPX");
        Assert.Equal((422, "Invalid operator."), Error(invalidOperator));
        Assert.Equal(["GP", "GP ST", "BL", "RB", "AT", "TT"], invalidOperator.Body["allowed_operator"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal((422, "Invalid operator number for this recharge."), Error(await Recharge(shop, "01912345678", "20", "GP")));
        Assert.Equal((422, "Invalid operator number for this recharge."), Error(await Recharge(shop, "0171234", "20", "GP")));
        Assert.Equal((422, "Invalid recharge amount."), Error(await Recharge(shop, "01712345678", "19.99", "GP")));
        Assert.Equal((422, "Invalid recharge amount."), Error(await Recharge(shop, "01712345678", "1000.01", "GP")));
        Assert.Equal((422, "Invalid recharge amount."), Error(await Recharge(shop, "01712345678", "20.001", "GP")));
        Assert.Equal((422, "Invalid recharge amount."), Error(await Recharge(shop, "01712345678", "abc", "GP")));
        Assert.Equal((422, "Insufficient balance."), Error(await Recharge(shop, "01712345678", "30", "GP")));
        Assert.Equal((400, "Invalid action."), Error(await shop.PostFormAsync("/api/mobile-recharge.php?action=topup", [("phone", "01712345678")])));

        Assert.Equal(balance, await shop.BalanceAsync());
        Assert.Equal(0, await App.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.ResellerId == shop.Id)));
    }

    [Fact]
    public async Task A_failed_recharge_is_refunded_in_the_same_request()
    {
        var shop = await App.CreateResellerAsync(500m);
        var (status, body) = await Recharge(shop, "01712340000", "50", "GP");
        Assert.Equal(200, status);
        Assert.False(body["success"]!.GetValue<bool>());
        Assert.Equal("Failed", body["status"]!.GetValue<string>());
        Assert.Equal("0.00", body["commission_amount"]!.GetValue<string>());
        Assert.Equal("500.00", body["before_balance"]!.GetValue<string>());
        Assert.Equal("500.00", body["after_balance"]!.GetValue<string>());
        Assert.True(body.AsObject().ContainsKey("operator_transaction_id"));
        Assert.Null(body["operator_transaction_id"]);
        Assert.Equal("Something wrong please try again later.", body["failure_reason"]!.GetValue<string>());
        Assert.Null(body["reward"]);
        Assert.Equal(500m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task An_unknown_outcome_stays_processing_and_is_resolved_by_the_status_query()
    {
        var shop = await App.CreateResellerAsync(500m);
        var (_, body) = await Recharge(shop, "01712349999", "100", "GP");
        Assert.Equal("Processing", body["status"]!.GetValue<string>());
        Assert.True(body.AsObject().ContainsKey("operator_transaction_id"));
        Assert.Null(body["operator_transaction_id"]);
        Assert.Equal("401.00", body["after_balance"]!.GetValue<string>());
        var orderNumber = body["order_number"]!.GetValue<string>();
        // The reconciler's first status query is due 2 s after an unknown outcome (RechargeSending.RecordUnknownAsync), and the
        // sandbox answers Success from 3 s after the order: the clock is moved past both and a pass run, instead of waiting.
        Clock.Advance(SandboxRechargeConnector.TimeoutResolvesAfter);
        var reconciler = App.Services.GetServices<IHostedService>().OfType<RechargeReconciler>().Single();
        // The gateway's own loop may hold the order during the test's pass: then the test polls until it has settled.
        var status = await Poll.UntilAsync(async () =>
        {
            await reconciler.RunOnceAsync(CancellationToken.None);
            return await StatusAsync(shop, orderNumber);
        }, s => s["status"]!.GetValue<string>() != "Processing", seconds: 15, intervalMs: 50);

        Assert.Equal("Success", status["status"]!.GetValue<string>());
        Assert.StartsWith("SBX", status["operator_transaction_id"]!.GetValue<string>());
        Assert.True(status["reward"]!["ok"]!.GetValue<bool>());
        Assert.Equal(401m, await shop.BalanceAsync());
        var other = await App.CreateResellerAsync(0m, "Nosy");
        Assert.Equal(404, (await other.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("order_number", orderNumber)])).Status);
    }

    [Fact]
    public async Task Fixed_and_postpaid_commissions_follow_the_operator_settings()
    {
        await PatchOperatorAsync("AT", new { prepaid_commission_type = "fixed", prepaid_commission = 1.5m, postpaid_commission_type = "percent", postpaid_commission = 2m });
        var shop = await App.CreateResellerAsync(1_000m);
        var prepaid = (await Recharge(shop, "01612345678", "100", "AT")).Body;
        Assert.Equal("1.50", prepaid["commission_amount"]!.GetValue<string>());
        Assert.Equal("901.50", prepaid["after_balance"]!.GetValue<string>());
        var postpaid = (await Recharge(shop, "01612345678", "250", "AT", "postpaid")).Body;
        Assert.Equal("5.00", postpaid["commission_amount"]!.GetValue<string>());
        Assert.Equal("901.50", postpaid["before_balance"]!.GetValue<string>());
        Assert.Equal("656.50", postpaid["after_balance"]!.GetValue<string>());
        Assert.Equal(656.50m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task Manual_recharges_wait_for_an_operator_who_completes_or_fails_them()
    {
        await PatchOperatorAsync("TT", new { connector = "manual" });
        try
        {
            var shop = await App.CreateResellerAsync(200m);
            var first = (await Recharge(shop, "01512345678", "50", "TT")).Body;
            var second = (await Recharge(shop, "01512345679", "50", "TT")).Body;
            Assert.Equal("Processing", first["status"]!.GetValue<string>());
            Assert.Equal(101m, await shop.BalanceAsync());

            await App.AdminPostAsync($"/admin/v1/recharges/{first["order_number"]}/complete", new { operator_transaction_id = "TT-REF-1" }, 204);
            await App.AdminPostAsync($"/admin/v1/recharges/{second["order_number"]}/fail", new { reason = "Number barred" }, 204);
            await App.AdminPostAsync($"/admin/v1/recharges/{second["order_number"]}/fail", new { reason = "again" }, 409);

            var done = await StatusAsync(shop, first["order_number"]!.GetValue<string>());
            Assert.Equal("TT-REF-1", done["operator_transaction_id"]!.GetValue<string>());
            var failed = await StatusAsync(shop, second["order_number"]!.GetValue<string>());
            Assert.Equal("Number barred", failed["failure_reason"]!.GetValue<string>());
            Assert.Equal(150.50m, await shop.BalanceAsync());
        }
        finally
        {
            await PatchOperatorAsync("TT", new { connector = "sandbox" });
        }
    }

    [Fact]
    public async Task Recharge_request_ids_replay_and_charge_once()
    {
        var shop = await App.CreateResellerAsync(100m);
        var first = await Recharge(shop, "01812345678", "20", "RB", requestId: "rc-1");
        var again = await Recharge(shop, "01812345678", "20", "RB", requestId: "rc-1");
        Assert.Equal(first.Body.ToJsonString(), again.Body.ToJsonString());
        Assert.Equal(422, (await Recharge(shop, "01812345678", "30", "RB", requestId: "rc-1")).Status);
        Assert.Equal(80.20m, await shop.BalanceAsync());
        var byRequestId = (await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("request_id", "rc-1")])).Body;
        Assert.Equal(first.Body["order_number"]!.GetValue<string>(), byRequestId["order_number"]!.GetValue<string>());

        var other = await App.CreateResellerAsync(100m);
        var othersKey = await other.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("request_id", "rc-1")]);
        var unknown = await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("request_id", "rc-never-sent")]);
        foreach (var (status, body) in new[] { othersKey, unknown })
        {
            Assert.Equal(404, status);
            Assert.Equal("Transaction not found.", body["error"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Parallel_recharges_never_overdraw_the_wallet()
    {
        var shop = await App.CreateResellerAsync(990m, "Rush Shop");
        // 100 BDT with 1% commission debits 99: exactly 10 fit.
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Recharge(shop, "01912345678", "100", "BL")));
        Assert.Equal(10, results.Count(r => r.Status == 200 && r.Body["status"]!.GetValue<string>() == "Success"));
        Assert.Equal(30, results.Count(r => r.Status == 422));
        Assert.True(await shop.BalanceAsync() >= 0m);
        Assert.Equal(0m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task Row_500_transaction_failed_changes_nothing()
    {
        var shop = await App.CreateResellerAsync(100m);
        await using (var connection = new Npgsql.NpgsqlConnection(App.ConnectionString))
        {
            await connection.OpenAsync();
            await new Npgsql.NpgsqlCommand("ALTER TABLE recharge_orders RENAME TO recharge_orders_gone", connection).ExecuteNonQueryAsync();
            try
            {
                var reply = await Recharge(shop, "01712345678", "20", "GP");
                Assert.Equal((500, "Transaction failed."), Error(reply));
                Assert.DoesNotContain("recharge_orders", reply.Body.ToJsonString());
            }
            finally
            {
                await new Npgsql.NpgsqlCommand("ALTER TABLE recharge_orders_gone RENAME TO recharge_orders", connection).ExecuteNonQueryAsync();
            }
        }
        Assert.Equal(100m, await shop.BalanceAsync());
        var line = Assert.Single(await RequestLogLines.WaitForAsync(App, l => RequestLogLines.ResellerId(l) == shop.Id));
        Assert.Equal("/api/mobile-recharge.php", line["Path"]!.GetValue<string>());
        Assert.Equal(500, line["StatusCode"]!.GetValue<int>());
    }

    private static async Task<JsonNode> StatusAsync(TestReseller shop, string orderNumber) =>
        (await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("order_number", orderNumber)])).Body;

    private static (int, string) Error((int Status, JsonNode Body) reply) => (reply.Status, reply.Body["error"]!.GetValue<string>());
}
