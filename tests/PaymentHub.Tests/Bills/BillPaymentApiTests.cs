using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

/// <summary>The seed's four calls, their documented shapes, and every row of the seed's error table.</summary>
[RunsLong(16)]
public sealed class BillPaymentApiTests(GatewayFixture fixture) : GatewayTest(fixture, "bills_api"), IClassFixture<GatewayFixture>
{
    private TestReseller _shop = null!;
    private int _providerId;
    private int _serviceId;

    protected override async Task SeedAsync()
    {
        (_providerId, _serviceId) = await App.CreateServiceAsync(connector: "manual");
        _shop = await App.CreateResellerAsync(5_000m);
    }

    private (string, string)[] ValidSubmit(string amount = "500") =>
    [
        ("provider_id", _providerId.ToString()), ("service_id", _serviceId.ToString()), ("amount", amount),
        ("meter_number", "123456789"), ("bill_month", "2026-04"), ("contact_number", "017XXXXXXXX"),
    ];

    [Fact]
    public async Task Provider_check_lists_active_providers_in_the_seed_shape()
    {
        var (status, body) = await _shop.BillAsync("provider_check");
        Assert.Equal(200, status);
        Assert.True(body["success"]!.GetValue<bool>());
        var provider = body["providers"]!.AsArray().Single(p => p!["id"]!.GetValue<int>() == _providerId)!;
        Assert.Equal("DESCO", provider["name"]!.GetValue<string>());
        Assert.Equal("desco.png", provider["logo"]!.GetValue<string>());
        Assert.Equal("active", provider["status"]!.GetValue<string>());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, provider["id"]!.GetValueKind());
    }

    [Fact]
    public async Task Service_check_uses_string_ids_and_module_fields_both_ways()
    {
        var (status, body) = await _shop.BillAsync("service_check", ("provider_id", _providerId.ToString()));
        Assert.Equal(200, status);
        Assert.Equal(_providerId, body["provider"]!["id"]!.GetValue<int>());
        var service = body["services"]!.AsArray().Single()!;
        Assert.Equal(_serviceId.ToString(), service["id"]!.GetValue<string>());
        Assert.Equal(_providerId.ToString(), service["provider_id"]!.GetValue<string>());
        Assert.Equal("meter_number,bill_month,contact_number", service["module_name"]!.GetValue<string>());
        Assert.Equal(["meter_number", "bill_month", "contact_number"], service["module_fields"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    [Fact]
    public async Task Submit_debits_the_wallet_and_answers_processing_in_the_seed_shape()
    {
        var before = await _shop.BalanceAsync();
        var (status, body) = await _shop.BillAsync("submit", ValidSubmit());
        Assert.Equal(200, status);
        Assert.True(body["success"]!.GetValue<bool>());
        Assert.StartsWith("TST-", body["order_number"]!.GetValue<string>());
        Assert.Equal(16, body["order_number"]!.GetValue<string>().Length);
        Assert.Equal("Processing", body["status"]!.GetValue<string>());
        Assert.Equal("DESCO", body["provider"]!.GetValue<string>());
        Assert.Equal("DESCO Prepaid", body["service"]!.GetValue<string>());
        Assert.Equal("123456789", body["module_data"]!["meter_number"]!.GetValue<string>());
        Assert.Equal("017XXXXXXXX", body["module_data"]!["contact_number"]!.GetValue<string>());
        Assert.Null(body["module_data"]!["bill_month"]);
        Assert.Equal("2026-04", body["bill_month"]!.GetValue<string>());
        Assert.Equal("500.00", body["amount"]!.GetValue<string>());
        Assert.Equal("500.00", body["total_amount"]!.GetValue<string>());
        Assert.Equal(before - 500m, await _shop.BalanceAsync());
    }

    [Fact]
    public async Task Alternative_bill_month_fields_are_normalised()
    {
        var fields = ValidSubmit().Where(f => f.Item1 != "bill_month").Append(("bill_month_month", "4")).Append(("bill_month_year", "2026")).ToArray();
        var (status, body) = await _shop.BillAsync("submit", fields);
        Assert.Equal(200, status);
        Assert.Equal("2026-04", body["bill_month"]!.GetValue<string>());
    }

    [Fact]
    public async Task Both_bill_month_forms_must_name_the_same_month()
    {
        var agreeing = ValidSubmit().Append(("bill_month_month", "04")).Append(("bill_month_year", "2026")).ToArray();
        var (status, body) = await _shop.BillAsync("submit", agreeing);
        Assert.Equal(200, status);
        Assert.Equal("2026-04", body["bill_month"]!.GetValue<string>());

        var conflicting = ValidSubmit().Append(("bill_month_month", "05")).Append(("bill_month_year", "2026")).ToArray();
        var (_, refused) = await AssertRejectedAsync(conflicting, 422, "bill_month");
        Assert.StartsWith("Conflicting bill_month", refused["error"]!.GetValue<string>());
        await AssertRejectedAsync(ValidSubmit().Append(("bill_month_month", "04")).ToArray(), 422, "bill_month");
    }

    [Theory]
    [InlineData("bill_month", "2026-13")]
    [InlineData("bill_month", "2026-4")]
    [InlineData("bill_month", "April 2026")]
    [InlineData("bill_month_month", "00")]
    [InlineData("bill_month_month", "ab")]
    public async Task A_bad_bill_month_is_a_clear_422(string field, string value)
    {
        var fields = ValidSubmit().Where(f => f.Item1 != "bill_month").Append((field, value)).ToList();
        if (field == "bill_month_month")
        {
            fields.Add(("bill_month_year", "2026"));
        }
        await AssertRejectedAsync(fields.ToArray(), 422, "bill_month");
    }

    [Fact]
    public async Task Status_check_reports_processing_success_and_cancelled_in_the_seed_shapes()
    {
        var first = (await _shop.BillAsync("submit", ValidSubmit("300"))).Body["order_number"]!.GetValue<string>();
        var second = (await _shop.BillAsync("submit", ValidSubmit("200"))).Body["order_number"]!.GetValue<string>();

        var (status, processing) = await _shop.BillAsync("status_check", ("order_number", first));
        Assert.Equal(200, status);
        Assert.Equal("Processing", processing["status"]!.GetValue<string>());
        Assert.Equal("Bill payment request submitted", processing["response"]!.GetValue<string>());
        Assert.Equal("300.00", processing["debit_amount"]!.GetValue<string>());
        Assert.Null(processing["token_number"]);

        var balanceBeforeSettling = await _shop.BalanceAsync();
        await App.AdminPostAsync($"/admin/v1/orders/{first}/complete", new { token_number = "1234-5678-9012" });
        await App.AdminPostAsync($"/admin/v1/orders/{second}/cancel", new { cancel_note = "Invalid customer information" });

        var success = (await _shop.BillAsync("status_check", ("order_number", first))).Body;
        Assert.Equal("Success", success["status"]!.GetValue<string>());
        Assert.Equal("1234-5678-9012", success["token_number"]!.GetValue<string>());
        Assert.Null(success["response"]);
        Assert.Null(success["cancel_note"]);

        var cancelled = (await _shop.BillAsync("status_check", ("order_number", second))).Body;
        Assert.Equal("Cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Equal("Invalid customer information", cancelled["cancel_note"]!.GetValue<string>());
        Assert.Null(cancelled["token_number"]);
        Assert.Equal(balanceBeforeSettling + 200m, await _shop.BalanceAsync());
    }

    [Fact]
    public async Task Fee_and_commission_make_total_and_debit_amounts()
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "account_number", fee: 10m, commission: 2.5m, provider: "DPDC");
        var shop = await App.CreateResellerAsync(1_000m, "Fee Shop");
        var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "100.50"), ("account_number", "99887766"));
        Assert.Equal(200, status);
        Assert.Equal("100.50", body["amount"]!.GetValue<string>());
        Assert.Equal("110.50", body["total_amount"]!.GetValue<string>());
        var order = body["order_number"]!.GetValue<string>();
        var check = (await shop.BillAsync("status_check", ("order_number", order))).Body;
        Assert.Equal("108.00", check["debit_amount"]!.GetValue<string>());
        Assert.Equal(892.00m, await shop.BalanceAsync());
        Assert.Null(body["bill_month"]);

        await App.AdminPostAsync($"/admin/v1/orders/{order}/cancel", new { cancel_note = "Wrong account" });
        Assert.Equal(1_000m, await shop.BalanceAsync());
    }

    // ---- The seed's error table, row by row ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("pay")]
    [InlineData("SUBMIT")]
    public async Task Row_400_invalid_action(string? action)
    {
        var path = action is null ? "/api/bill-payment.php" : $"/api/bill-payment.php?action={action}";
        var (status, body) = await _shop.PostFormAsync(path, ValidSubmit());
        Assert.Equal(400, status);
        AssertSeedBody(body, "Invalid action.");
    }

    [Fact]
    public async Task Row_401_invalid_api_credentials()
    {
        var wrongSecret = _shop with { ApiSecret = _shop.ApiSecret + "x" };
        var unknownKey = _shop with { ApiKey = "phk_unknown" };
        var missing = _shop with { ApiKey = "", ApiSecret = "" };
        foreach (var caller in new[] { wrongSecret, unknownKey, missing })
        {
            var (status, body) = await caller.BillAsync("provider_check");
            Assert.Equal(401, status);
            AssertSeedBody(body, "Invalid API credentials.");
        }
    }

    [Fact]
    public async Task Revoked_keys_and_suspended_resellers_are_refused()
    {
        var shop = await App.CreateResellerAsync(100m, "Soon Revoked");
        var keyId = (await App.AdminGetAsync($"/admin/v1/resellers/{shop.Id}/api-keys")).AsArray().Single()!["id"]!.GetValue<int>();
        using (var admin = App.Admin())
        {
            var revoke = await admin.DeleteAsync($"/admin/v1/resellers/{shop.Id}/api-keys/{keyId}");
            Assert.Equal(204, (int)revoke.StatusCode);
        }
        Assert.Equal(401, (await shop.BillAsync("provider_check")).Status);

        var suspended = await App.CreateResellerAsync(100m, "Suspended");
        using (var admin = App.Admin())
        {
            var patch = await admin.PatchAsync($"/admin/v1/resellers/{suspended.Id}",
                new StringContent("{\"status\":\"suspended\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(200, (int)patch.StatusCode);
        }
        Assert.Equal(401, (await suspended.BillAsync("provider_check")).Status);
    }

    [Theory]
    [InlineData("999999")]
    [InlineData("abc")]
    [InlineData("-1")]
    public async Task Row_404_invalid_provider_id(string providerId)
    {
        var (status, body) = await _shop.BillAsync("service_check", ("provider_id", providerId));
        Assert.Equal(404, status);
        AssertSeedBody(body, "Invalid provider ID.");
    }

    [Fact]
    public async Task Row_404_invalid_service_or_provider()
    {
        var (otherProvider, _) = await App.CreateServiceAsync(connector: "manual", provider: "NESCO");
        var mismatched = ValidSubmit().Select(f => f.Item1 == "provider_id" ? (f.Item1, otherProvider.ToString()) : f).ToArray();
        var unknown = ValidSubmit().Select(f => f.Item1 == "service_id" ? (f.Item1, "999999") : f).ToArray();
        var nonNumeric = ValidSubmit().Select(f => f.Item1 == "service_id" ? (f.Item1, "5; DROP TABLE bill_orders") : f).ToArray();
        foreach (var fields in new[] { mismatched, unknown, nonNumeric })
        {
            await AssertRejectedAsync(fields, 404, exactError: "Invalid service or provider.");
        }
    }

    [Fact]
    public async Task Inactive_providers_and_services_vanish_from_the_reseller_api()
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: "WZPDCL");
        var submit = new[] { ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()), ("amount", "50"), ("meter_number", "1") };
        using var admin = App.Admin();
        // A submit first, so that the gateway holds the service in its catalogue cache: the admin change must still apply at once.
        Assert.Equal(200, (await _shop.BillAsync("submit", submit)).Status);
        await admin.PatchAsync($"/admin/v1/services/{serviceId}", new StringContent("{\"status\":\"inactive\"}", Encoding.UTF8, "application/json"));
        Assert.Empty((await _shop.BillAsync("service_check", ("provider_id", providerId.ToString()))).Body["services"]!.AsArray());
        Assert.Equal(404, (await _shop.BillAsync("submit", submit)).Status);

        await admin.PatchAsync($"/admin/v1/services/{serviceId}", new StringContent("{\"status\":\"active\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(200, (await _shop.BillAsync("submit", submit)).Status);
        await admin.PatchAsync($"/admin/v1/providers/{providerId}", new StringContent("{\"status\":\"inactive\"}", Encoding.UTF8, "application/json"));
        Assert.DoesNotContain((await _shop.BillAsync("provider_check")).Body["providers"]!.AsArray(), p => p!["id"]!.GetValue<int>() == providerId);
        Assert.Equal("Invalid provider ID.", (await _shop.BillAsync("service_check", ("provider_id", providerId.ToString()))).Body["error"]!.GetValue<string>());
        Assert.Equal("Invalid service or provider.", (await _shop.BillAsync("submit", submit)).Body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Row_404_transaction_not_found_including_another_resellers_order()
    {
        var other = await App.CreateResellerAsync(1_000m, "Other Shop");
        var theirs = (await other.BillAsync("submit", ValidSubmit("100"))).Body["order_number"]!.GetValue<string>();
        foreach (var orderNumber in new[] { theirs, "TST-DOESNOTEXIST", "' OR 1=1 --" })
        {
            var (status, body) = await _shop.BillAsync("status_check", ("order_number", orderNumber));
            Assert.Equal(404, status);
            AssertSeedBody(body, "Transaction not found.");
        }
        Assert.Equal(200, (await other.BillAsync("status_check", ("order_number", theirs))).Status);
    }

    [Theory]
    [InlineData("provider_id")]
    [InlineData("service_id")]
    [InlineData("amount")]
    public async Task Row_422_missing_required_parameters(string dropped)
    {
        await AssertRejectedAsync(ValidSubmit().Where(f => f.Item1 != dropped).ToArray(), 422, exactError: "Missing required parameters.");
        foreach (var action in new[] { "service_check", "status_check" })
        {
            var (status, body) = await _shop.BillAsync(action);
            Assert.Equal(422, status);
            AssertSeedBody(body, "Missing required parameters.");
        }
    }

    [Theory]
    [InlineData("meter_number")]
    [InlineData("contact_number")]
    public async Task Row_422_missing_required_module_data_names_the_field(string dropped)
    {
        await AssertRejectedAsync(ValidSubmit().Where(f => f.Item1 != dropped).ToArray(), 422, expectedField: dropped,
            exactError: "Missing required module data.");
    }

    [Fact]
    public async Task Row_422_missing_bill_month()
    {
        await AssertRejectedAsync(ValidSubmit().Where(f => f.Item1 != "bill_month").ToArray(), 422, exactError: "Missing bill_month.");
    }

    [Fact]
    public async Task Row_422_insufficient_balance_changes_nothing()
    {
        var poor = await App.CreateResellerAsync(499.99m, "Poor Shop");
        var (status, body) = await poor.BillAsync("submit", ValidSubmit("500"));
        Assert.Equal(422, status);
        AssertSeedBody(body, "Insufficient balance.");
        Assert.Equal(499.99m, await poor.BalanceAsync());
        Assert.Equal(0, await App.WithDbAsync(db => db.BillOrders.CountAsync(o => o.ResellerId == poor.Id)));
    }

    // ---- Any other bad input: a clear 4xx JSON error, and nothing written ----

    [Theory]
    [InlineData("abc")]
    [InlineData("-500")]
    [InlineData("0")]
    [InlineData("500.001")]
    [InlineData("1e3")]
    [InlineData("99999999999999999999999")]
    [InlineData("500,00")]
    [InlineData("NaN")]
    public async Task Bad_amounts_are_refused(string amount)
    {
        var (_, body) = await AssertRejectedAsync(ValidSubmit(amount), 422, "amount");
        Assert.Contains("amount", body["error"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("9.99")]
    [InlineData("50000.01")]
    public async Task Amounts_outside_the_service_limits_are_refused(string amount)
    {
        var (_, body) = await AssertRejectedAsync(ValidSubmit(amount), 422, "amount");
        Assert.Equal("10.00", body["min_amount"]!.GetValue<string>());
        Assert.Equal("50000.00", body["max_amount"]!.GetValue<string>());
    }

    [Fact]
    public async Task Duplicated_fields_are_refused()
    {
        var fields = ValidSubmit().Append(("amount", "1")).ToArray();
        var (_, body) = await AssertRejectedAsync(fields, 422, "amount");
        Assert.Equal("Duplicate parameter.", body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Empty_body_wrong_content_type_and_oversized_body_get_json_errors()
    {
        var before = await _shop.BalanceAsync();
        using var client = App.CreateClient();

        var empty = await client.PostAsync("/api/bill-payment.php?action=submit", null);
        await AssertJsonErrorAsync(empty, 401);

        var json = await client.PostAsync("/api/bill-payment.php?action=submit",
            new StringContent($"{{\"api_key\":\"{_shop.ApiKey}\",\"api_secret\":\"{_shop.ApiSecret}\"}}", Encoding.UTF8, "application/json"));
        await AssertJsonErrorAsync(json, 415);

        var huge = new StringContent($"api_key={_shop.ApiKey}&api_secret={_shop.ApiSecret}&meter_number=" + new string('1', 200_000),
            Encoding.UTF8, "application/x-www-form-urlencoded");
        var oversized = await client.PostAsync("/api/bill-payment.php?action=submit", huge);
        await AssertJsonErrorAsync(oversized, 413);

        var malformed = new ByteArrayContent("--x\r\nnot a multipart body"u8.ToArray());
        malformed.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        var broken = await client.PostAsync("/api/bill-payment.php?action=submit", malformed);
        await AssertJsonErrorAsync(broken, 400);

        Assert.Equal(before, await _shop.BalanceAsync());
    }

    [Fact]
    public async Task Multipart_form_posts_work_like_php_curl_arrays()
    {
        using var client = App.CreateClient();
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(_shop.ApiKey), "api_key");
        content.Add(new StringContent(_shop.ApiSecret), "api_secret");
        var response = await client.PostAsync("/api/bill-payment.php?action=provider_check", content);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["success"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Module_values_with_control_characters_or_excess_length_are_refused()
    {
        var withNewline = ValidSubmit().Select(f => f.Item1 == "meter_number" ? (f.Item1, "123\n456") : f).ToArray();
        await AssertRejectedAsync(withNewline, 422, "meter_number");
        var tooLong = ValidSubmit().Select(f => f.Item1 == "meter_number" ? (f.Item1, new string('9', 101)) : f).ToArray();
        await AssertRejectedAsync(tooLong, 422, "meter_number");
    }

    /// <summary>The seed's error body exactly: <c>{"error": ...}</c>, plus <c>"field"</c> only where the seed shows one.</summary>
    private static void AssertSeedBody(JsonNode body, string error, string? field = null)
    {
        var expected = new JsonObject { ["error"] = error };
        if (field is not null)
        {
            expected["field"] = field;
        }
        Assert.True(JsonNode.DeepEquals(expected, body), $"expected {expected.ToJsonString()}, got {body.ToJsonString()}");
    }

    private async Task<(int Status, JsonNode Body)> AssertRejectedAsync(
        (string, string)[] fields, int expectedStatus, string? expectedField = null, string? expectedError = null, string? exactError = null)
    {
        var balance = await _shop.BalanceAsync();
        var orders = await App.WithDbAsync(db => db.BillOrders.CountAsync(o => o.ResellerId == _shop.Id));
        var (status, body) = await _shop.BillAsync("submit", fields);
        Assert.Equal(expectedStatus, status);
        Assert.False(string.IsNullOrWhiteSpace(body["error"]?.GetValue<string>()), body.ToJsonString());
        if (expectedField is not null)
        {
            Assert.Equal(expectedField, body["field"]?.GetValue<string>());
        }
        if (expectedError is not null)
        {
            Assert.Equal(expectedError, body["error"]!.GetValue<string>());
        }
        if (exactError is not null)
        {
            AssertSeedBody(body, exactError, expectedField);
        }
        Assert.Equal(balance, await _shop.BalanceAsync());
        Assert.Equal(orders, await App.WithDbAsync(db => db.BillOrders.CountAsync(o => o.ResellerId == _shop.Id)));
        return (status, body);
    }

    private static async Task AssertJsonErrorAsync(HttpResponseMessage response, int expectedStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expectedStatus == (int)response.StatusCode, $"Expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        Assert.False(string.IsNullOrWhiteSpace(JsonNode.Parse(text)!["error"]!.GetValue<string>()));
        Assert.DoesNotContain("   at ", text);
    }
}
