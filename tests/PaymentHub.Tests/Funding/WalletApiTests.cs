using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// The reseller's wallet API (<c>POST /api/wallet.php?action=add_fund | topup_status | balance</c>): replies, and every
/// bad input answered with a clear 4xx JSON error before anything is written or any gateway is called.
/// </summary>
public sealed class WalletApiTests(FundingFixture funding) : IClassFixture<FundingFixture>
{
    private const string Checkout = "/api/v1/checkout";

    [Fact]
    public async Task Balance_is_the_wallet_balance_as_a_two_decimal_string()
    {
        await using var t = await funding.StartAsync("wallet_balance");
        var (status, body) = await t.Shop.PostFormAsync("/api/wallet.php?action=balance", []);
        Assert.Equal(200, status);
        Assert.True(body["success"]!.GetValue<bool>());
        Assert.Equal("0.00", body["balance"]!.GetValue<string>());

        var funded = await t.App.CreateResellerAsync(1234.50m, "Funded Shop");
        var (fundedStatus, fundedBody) = await funded.PostFormAsync("/api/wallet.php?action=balance", []);
        Assert.Equal(200, fundedStatus);
        Assert.Equal("""{"success":true,"balance":"1234.50"}""", fundedBody.ToJsonString());
    }

    [Fact]
    public async Task Add_fund_replies_with_the_new_top_up_and_topup_status_reports_it()
    {
        await using var t = await funding.StartAsync("wallet_add");
        await t.StubCheckoutAsync();

        var (status, body) = await t.AddFundAsync(250.5m, "SecureSoftPay", ("customer_name", "Rahim Store"), ("customer_phone", "+8801711111111"),
            ("customer_email", "rahim@shop.example.test"), ("return_url", "http://shop.example.test/wallet"));
        Assert.Equal(200, status);
        Assert.True(body["success"]!.GetValue<bool>());
        var topUpId = body["topup_id"]!.GetValue<string>();
        Assert.Matches("^TU[A-Z0-9]{14}$", topUpId);
        Assert.Equal("https://pay.example.test/checkout?trx_id=a1b2c3", body["payment_url"]!.GetValue<string>());
        Assert.Equal("250.50", body["amount"]!.GetValue<string>());
        Assert.Equal("securesoftpay", body["gateway"]!.GetValue<string>());
        Assert.Equal("Pending", body["status"]!.GetValue<string>());

        var (statusCode, reply) = await t.Shop.PostFormAsync("/api/wallet.php?action=topup_status", [("topup_id", topUpId)]);
        Assert.Equal(200, statusCode);
        Assert.True(reply["success"]!.GetValue<bool>());
        Assert.Equal(topUpId, reply["topup_id"]!.GetValue<string>());
        Assert.Equal("Pending", reply["status"]!.GetValue<string>());
        Assert.Equal("250.50", reply["amount"]!.GetValue<string>());
        Assert.Equal("BDT", reply["currency"]!.GetValue<string>());
        Assert.Equal("securesoftpay", reply["gateway"]!.GetValue<string>());
        Assert.Null(reply["completed_at"]);
        Assert.Equal(1, await t.NewTopUpsAsync());
        Assert.Equal(1, await t.SspCallsAsync(Checkout));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }

    private sealed record BadInput(string Name, (string Key, string Value)[] Fields, string Error, string? Field);

    private static readonly BadInput[] MalformedInputs =
    [
        new("missing amount", [("gateway", "securesoftpay")], "Missing required parameters.", "amount"),
        new("empty amount", [("amount", ""), ("gateway", "securesoftpay")], "Missing required parameters.", "amount"),
        new("missing gateway", [("amount", "100")], "Missing required parameters.", "gateway"),
        new("nothing at all", [], "Missing required parameters.", "amount"),
        new("amount abc", [("amount", "abc"), ("gateway", "securesoftpay")], "Invalid amount.", "amount"),
        new("amount -5", [("amount", "-5"), ("gateway", "securesoftpay")], "Invalid amount.", "amount"),
        new("amount 1.234", [("amount", "1.234"), ("gateway", "securesoftpay")], "Invalid amount.", "amount"),
        new("amount 0", [("amount", "0"), ("gateway", "securesoftpay")], "Invalid amount.", "amount"),
        new("amount 0.00", [("amount", "0.00"), ("gateway", "shurjopay")], "Invalid amount.", "amount"),
        new("amount 1e5", [("amount", "1e5"), ("gateway", "securesoftpay")], "Invalid amount.", "amount"),
        new("amount 100,00", [("amount", "100,00"), ("gateway", "securesoftpay")], "Invalid amount.", "amount"),
        new("amount huge", [("amount", "99999999999999999999"), ("gateway", "securesoftpay")], "Invalid amount.", "amount"),
        new("amount NaN", [("amount", "NaN"), ("gateway", "shurjopay")], "Invalid amount.", "amount"),
        new("invalid customer_email", [("amount", "100"), ("gateway", "securesoftpay"), ("customer_email", "rahim@")], "Invalid customer_email.", "customer_email"),
        new("display-name email", [("amount", "100"), ("gateway", "securesoftpay"), ("customer_email", "Rahim <rahim@shop.example.test>")], "Invalid customer_email.", "customer_email"),
        new("phone with dashes", [("amount", "100"), ("gateway", "shurjopay"), ("customer_phone", "017-1111-1111")], "Invalid customer_phone.", "customer_phone"),
        new("phone letters", [("amount", "100"), ("gateway", "shurjopay"), ("customer_phone", "call me")], "Invalid customer_phone.", "customer_phone"),
        new("phone too short", [("amount", "100"), ("gateway", "shurjopay"), ("customer_phone", "12345")], "Invalid customer_phone.", "customer_phone"),
        new("customer_name too long", [("amount", "100"), ("gateway", "securesoftpay"), ("customer_name", new string('x', 101))], "Invalid customer_name.", "customer_name"),
        new("javascript return_url", [("amount", "100"), ("gateway", "securesoftpay"), ("return_url", "javascript:alert(1)")], "Invalid return_url.", "return_url"),
        new("ftp return_url", [("amount", "100"), ("gateway", "securesoftpay"), ("return_url", "ftp://shop.example.test/wallet")], "Invalid return_url.", "return_url"),
        new("relative return_url", [("amount", "100"), ("gateway", "securesoftpay"), ("return_url", "/wallet")], "Invalid return_url.", "return_url"),
        new("return_url with credentials", [("amount", "100"), ("gateway", "securesoftpay"), ("return_url", "https://user:pw@shop.example.test/")], "Invalid return_url.", "return_url"),
        new("client_ip not an address", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "localhost")], "Invalid client_ip.", "client_ip"),
        new("client_ip a bare number", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "12345")], "Invalid client_ip.", "client_ip"),
        new("client_ip short form 1.2", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "1.2")], "Invalid client_ip.", "client_ip"),
        new("client_ip short form 127.1", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "127.1")], "Invalid client_ip.", "client_ip"),
        new("client_ip hex part", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "0x7f.0.0.1")], "Invalid client_ip.", "client_ip"),
        new("client_ip leading zero", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "010.0.0.1")], "Invalid client_ip.", "client_ip"),
        new("client_ip IPv6 with a zone", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "fe80::1%eth0")], "Invalid client_ip.", "client_ip"),
        new("client_ip IPv6 in brackets", [("amount", "100"), ("gateway", "shurjopay"), ("client_ip", "[2001:db8::1]")], "Invalid client_ip.", "client_ip"),
        new("post code with markup", [("amount", "100"), ("gateway", "shurjopay"), ("customer_post_code", "<b>1")], "Invalid customer_post_code.", "customer_post_code"),
    ];

    [Fact]
    public async Task Every_malformed_add_fund_input_is_a_clear_422_json_error_and_nothing_is_written()
    {
        await using var t = await funding.StartAsync("wallet_bad");
        await t.StubCheckoutAsync();

        foreach (var (name, fields, error, field) in MalformedInputs)
        {
            var (status, body) = await t.Shop.PostFormAsync("/api/wallet.php?action=add_fund", fields);
            Assert.True(status == 422, $"{name}: HTTP {status} {body.ToJsonString()}");
            Assert.True(error == body["error"]?.GetValue<string>(), $"{name}: {body.ToJsonString()}");
            Assert.True(field == body["field"]?.GetValue<string>(), $"{name}: {body.ToJsonString()}");
            Assert.True(body["success"] is null && body["topup_id"] is null, $"{name}: {body.ToJsonString()}");
        }

        var (unknownStatus, unknown) = await t.Shop.PostFormAsync("/api/wallet.php?action=add_fund", [("amount", "100"), ("gateway", "paypal")]);
        Assert.Equal(422, unknownStatus);
        Assert.Equal("Invalid gateway.", unknown["error"]!.GetValue<string>());
        // Outside Development (these tests run as Testing) the sandbox gateway is not offered, so not listed either.
        Assert.Equal(["shurjopay", "securesoftpay"], unknown["allowed_gateway"]!.AsArray().Select(g => g!.GetValue<string>()));

        await AssertNothingWrittenAsync(t);
    }

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:192.0.2.1")]
    public async Task A_canonical_ipv4_or_any_ipv6_client_ip_reaches_shurjopay(string clientIp)
    {
        await using var t = await funding.StartAsync("wallet_client_ip_" + clientIp.Replace(':', 'c').Replace('.', 'd'));
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        await t.StartTopUpAsync(100m, "shurjopay", ("client_ip", clientIp));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", $"\"client_ip\":\"{clientIp}\""));
    }

    [Fact]
    public async Task Amounts_outside_the_operators_limits_are_refused_with_the_limits_in_the_reply()
    {
        await using var t = await funding.StartAsync("wallet_limits");
        await t.StubCheckoutAsync();
        await PutGatewayAsync(t, "securesoftpay", new { is_enabled = true, min_amount = 50m, max_amount = 5000m, fee_percent = 0m, fee_fixed = 0m });

        foreach (var (amount, gateway, min, max) in new[]
                 {
                     ("49.99", "securesoftpay", "50.00", "5000.00"),
                     ("5000.01", "securesoftpay", "50.00", "5000.00"),
                     ("10", "securesoftpay", "50.00", "5000.00"),
                     ("999999999999.99", "securesoftpay", "50.00", "5000.00"),
                     // shurjoPay keeps the defaults of the migration.
                     ("9.99", "shurjopay", "10.00", "100000.00"),
                     ("100000.01", "shurjopay", "10.00", "100000.00"),
                 })
        {
            var (status, body) = await t.Shop.PostFormAsync("/api/wallet.php?action=add_fund", [("amount", amount), ("gateway", gateway)]);
            Assert.True(status == 422, $"{amount} {gateway}: HTTP {status} {body.ToJsonString()}");
            Assert.Equal("Invalid amount.", body["error"]!.GetValue<string>());
            Assert.Equal("amount", body["field"]!.GetValue<string>());
            Assert.Equal(min, body["min_amount"]!.GetValue<string>());
            Assert.Equal(max, body["max_amount"]!.GetValue<string>());
        }
        await AssertNothingWrittenAsync(t);

        // The limits themselves are allowed.
        Assert.Equal(200, (await t.AddFundAsync(50m, "securesoftpay")).Status);
        Assert.Equal(200, (await t.AddFundAsync(5000m, "securesoftpay")).Status);
        Assert.Equal(2, await t.NewTopUpsAsync());
        Assert.Equal(2, await t.SspCallsAsync(Checkout));
    }

    [Fact]
    public async Task A_gateway_the_operator_turned_off_is_refused_until_turned_on_again()
    {
        await using var t = await funding.StartAsync("wallet_disabled");
        await t.StubCheckoutAsync();
        await PutGatewayAsync(t, "securesoftpay", new { is_enabled = false, min_amount = 10m, max_amount = 100000m, fee_percent = 0m, fee_fixed = 0m });

        var (status, body) = await t.AddFundAsync(100m, "securesoftpay");
        Assert.Equal(422, status);
        Assert.Equal("This payment gateway is not available.", body["error"]!.GetValue<string>());
        await AssertNothingWrittenAsync(t);

        await PutGatewayAsync(t, "securesoftpay", new { is_enabled = true, min_amount = 10m, max_amount = 100000m, fee_percent = 0m, fee_fixed = 0m });
        Assert.Equal(200, (await t.AddFundAsync(100m, "securesoftpay")).Status);
        Assert.Equal(1, await t.SspCallsAsync(Checkout));
    }

    [Fact]
    public async Task A_gateway_without_connector_settings_is_not_offered()
    {
        await using var t = await funding.StartAsync("wallet_unconfigured",
            new Dictionary<string, string?> { ["Connectors:SecureSoftPay:BaseUrl"] = "" });
        var (status, body) = await t.AddFundAsync(100m, "securesoftpay");
        Assert.Equal(422, status);
        Assert.Equal("This payment gateway is not available.", body["error"]!.GetValue<string>());
        await AssertNothingWrittenAsync(t);
    }

    [Fact]
    public async Task Wrong_credentials_are_401_for_every_action_and_write_nothing()
    {
        await using var t = await funding.StartAsync("wallet_auth");
        await t.StubCheckoutAsync();
        var wrongSecret = t.Shop with { ApiSecret = "wrong-secret-0000000000" };
        var unknownKey = t.Shop with { ApiKey = "no-such-key" };

        foreach (var caller in new[] { wrongSecret, unknownKey })
        {
            foreach (var (action, fields) in new (string, (string, string)[])[]
                     {
                         ("add_fund", [("amount", "100"), ("gateway", "securesoftpay")]),
                         ("topup_status", [("topup_id", "TUAAAAAAAAAAAAAA")]),
                         ("balance", []),
                     })
            {
                var (status, body) = await caller.PostFormAsync($"/api/wallet.php?action={action}", fields);
                Assert.True(status == 401, $"{action}: HTTP {status} {body.ToJsonString()}");
                Assert.Equal("Invalid API credentials.", body["error"]!.GetValue<string>());
                Assert.Null(body["balance"]);
            }
        }
        await AssertNothingWrittenAsync(t);
    }

    [Fact]
    public async Task An_unknown_or_missing_action_is_400()
    {
        await using var t = await funding.StartAsync("wallet_action");
        foreach (var path in new[] { "/api/wallet.php?action=withdraw", "/api/wallet.php", "/api/wallet.php?action=" })
        {
            var (status, body) = await t.Shop.PostFormAsync(path, [("amount", "100"), ("gateway", "securesoftpay")]);
            Assert.True(status == 400, $"{path}: HTTP {status} {body.ToJsonString()}");
            Assert.Equal("Invalid action.", body["error"]!.GetValue<string>());
        }
        await AssertNothingWrittenAsync(t);
    }

    [Fact]
    public async Task Topup_status_needs_the_id_of_one_of_the_resellers_own_top_ups()
    {
        await using var t = await funding.StartAsync("wallet_status");
        await t.StubCheckoutAsync();
        var mine = await t.StartTopUpAsync(100m, "securesoftpay");
        var other = await t.App.CreateResellerAsync(0m, "Other Shop");

        var (missingStatus, missing) = await t.Shop.PostFormAsync("/api/wallet.php?action=topup_status", []);
        Assert.Equal(422, missingStatus);
        Assert.Equal("Missing required parameters.", missing["error"]!.GetValue<string>());
        Assert.Equal("topup_id", missing["field"]!.GetValue<string>());

        foreach (var id in new[] { "TUAAAAAAAAAAAAAA", new string('T', 200), "' OR 1=1 --" })
        {
            var (status, body) = await t.Shop.PostFormAsync("/api/wallet.php?action=topup_status", [("topup_id", id)]);
            Assert.True(status == 404, $"{id}: HTTP {status} {body.ToJsonString()}");
            Assert.Equal("Top-up not found.", body["error"]!.GetValue<string>());
        }

        // Another reseller cannot see it, not even that it exists.
        var (otherStatus, otherBody) = await other.PostFormAsync("/api/wallet.php?action=topup_status", [("topup_id", mine)]);
        Assert.Equal(404, otherStatus);
        Assert.Equal("Top-up not found.", otherBody["error"]!.GetValue<string>());
        Assert.Null(otherBody["status"]);

        Assert.Equal("Pending", await t.TopUpStatusAsync(mine));
    }

    // ---- helpers ----

    private static async Task AssertNothingWrittenAsync(FundingHarness t)
    {
        Assert.Equal(0, await t.NewTopUpsAsync());
        Assert.Equal(0, await t.NewCreditJournalsAsync());
        Assert.Equal(0, await t.SspCallsAsync(Checkout));
        Assert.Equal(0, await t.SpCallsAsync("get_token"));
        Assert.Equal(0, await t.SpCallsAsync("secret-pay"));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }

    private static async Task PutGatewayAsync(FundingHarness t, string gateway, object settings)
    {
        using var admin = t.App.Admin();
        using var response = await admin.PutAsJsonAsync($"/admin/v1/funding-gateways/{gateway}", settings);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(gateway, reply["gateway"]!.GetValue<string>());
    }
}
