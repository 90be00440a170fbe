using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// The operator's side of wallet funding: starting a top-up for a reseller, the list with gateway references and
/// filters, the review queue (approve / reject / recheck) and the funding-gateway settings.
/// </summary>
public sealed class TopUpAdminTests(FundingFixture funding) : IClassFixture<FundingFixture>
{
    private const string Checkout = "/api/v1/checkout";
    private const string Verify = "/api/v1/verify";
    private const string Html502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";

    [Fact]
    public async Task An_operator_starts_a_top_up_for_a_reseller_and_gets_its_payment_url()
    {
        await using var t = await funding.StartAsync("admin_start");
        await t.StubCheckoutAsync();

        using var admin = t.App.Admin();
        using var response = await admin.PostAsJsonAsync($"/admin/v1/resellers/{t.Shop.Id}/topups", new
        {
            amount = 250m,
            gateway = "securesoftpay",
            customer_name = "Karim Traders",
            customer_email = "karim@traders.example.test",
            return_url = "https://shop.example.test/paid",
        });
        var created = await PaymentHubApp.ReadAsync(response, 201);
        var topUpId = created["top_up_id"]!.GetValue<string>();
        Assert.Equal($"/admin/v1/topups/{topUpId}", response.Headers.Location?.ToString());
        Assert.Equal(t.Shop.Id, created["reseller_id"]!.GetValue<int>());
        Assert.Equal("securesoftpay", created["gateway"]!.GetValue<string>());
        Assert.Equal(250m, created["amount"]!.GetValue<decimal>());
        Assert.Equal("Pending", created["status"]!.GetValue<string>());
        Assert.Equal("Pending", created["reseller_status"]!.GetValue<string>());
        Assert.Equal("https://pay.example.test/checkout?trx_id=a1b2c3", created["payment_url"]!.GetValue<string>());
        Assert.StartsWith("admin:", created["initiated_by"]!.GetValue<string>());
        Assert.Equal(1, await t.SspCallsAsync(Checkout, "\"customer_name\":\"Karim Traders\""));
        Assert.Equal(1, await t.SspCallsAsync(Checkout, $"/payments/securesoftpay/return?topup={topUpId}"));

        // It is the reseller's top-up: visible through the reseller API, credited to the reseller's wallet.
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        await t.StubVerifyAsync("TRX-ADM", FundingHarness.VerifyReply("TRX-ADM", topUpId, 250m));
        var (_, page) = await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={topUpId}&transaction_id=TRX-ADM");
        Assert.Contains("Payment completed", page);
        Assert.Contains($"https://shop.example.test/paid?topup_id={topUpId}&amp;status=Completed", page);
        Assert.Equal(250m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));

        // shurjoPay works the same way and records its order id.
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        var sp = await t.App.AdminPostAsync($"/admin/v1/resellers/{t.Shop.Id}/topups", new { amount = 75.5m, gateway = "shurjopay" }, 201);
        var spId = sp["top_up_id"]!.GetValue<string>();
        Assert.Equal(FundingHarness.SpOrderId(spId), sp["gateway_order_id"]!.GetValue<string>());
        Assert.StartsWith("https://sandbox.securepay.shurjopayment.com/spaycheckout/", sp["payment_url"]!.GetValue<string>());
        Assert.StartsWith("admin:", sp["initiated_by"]!.GetValue<string>());
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", "\"customer_name\":\"Test Shop\""));
    }

    [Fact]
    public async Task Starting_a_top_up_validates_the_request_the_reseller_and_the_gateway_limits()
    {
        await using var t = await funding.StartAsync("admin_start_bad");
        await t.StubCheckoutAsync();
        var path = $"/admin/v1/resellers/{t.Shop.Id}/topups";

        foreach (var (name, body) in new (string, object)[]
                 {
                     ("unknown gateway", new { amount = 100m, gateway = "paypal" }),
                     ("empty gateway", new { amount = 100m, gateway = "" }),
                     ("zero amount", new { amount = 0m, gateway = "securesoftpay" }),
                     ("negative amount", new { amount = -5m, gateway = "securesoftpay" }),
                     ("three decimals", new { amount = 10.555m, gateway = "securesoftpay" }),
                     ("bad email", new { amount = 100m, gateway = "securesoftpay", customer_email = "karim@" }),
                     ("bad phone", new { amount = 100m, gateway = "securesoftpay", customer_phone = "017-11" }),
                     ("javascript return_url", new { amount = 100m, gateway = "securesoftpay", return_url = "javascript:alert(1)" }),
                 })
        {
            var problem = await PostAsync(t.App, path, body);
            Assert.True(problem.Status == 400, $"{name}: HTTP {problem.Status} {problem.Body.ToJsonString()}");
            Assert.NotNull(problem.Body["errors"]);
        }
        // Amounts may be strings ("100.00"), but only in the amount grammar.
        var text = await PostRawAsync(t.App, path, """{"amount":"1e3","gateway":"securesoftpay"}""");
        Assert.Equal(400, text.Status);

        var range = await t.App.AdminPostAsync(path, new { amount = 9.99m, gateway = "securesoftpay" }, 422);
        Assert.Equal("Amount out of range", range["title"]!.GetValue<string>());
        Assert.Contains("10.00 to 100000.00", range["detail"]!.GetValue<string>());

        var missing = await t.App.AdminPostAsync("/admin/v1/resellers/999999/topups", new { amount = 100m, gateway = "securesoftpay" }, 404);
        Assert.Equal(404, missing["status"]!.GetValue<int>());

        await PutGatewayAsync(t.App, "securesoftpay", new { is_enabled = false, min_amount = 10m, max_amount = 100000m, fee_percent = 0m, fee_fixed = 0m }, 200);
        var off = await t.App.AdminPostAsync(path, new { amount = 100m, gateway = "securesoftpay" }, 422);
        Assert.Equal("Gateway not available", off["title"]!.GetValue<string>());
        await PutGatewayAsync(t.App, "securesoftpay", new { is_enabled = true, min_amount = 10m, max_amount = 100000m, fee_percent = 0m, fee_fixed = 0m }, 200);

        using (var client = t.App.Admin())
        {
            using var patch = await client.PatchAsJsonAsync($"/admin/v1/resellers/{t.Shop.Id}", new { status = "Suspended" });
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }
        var suspended = await t.App.AdminPostAsync(path, new { amount = 100m, gateway = "securesoftpay" }, 409);
        Assert.Equal("Reseller suspended", suspended["title"]!.GetValue<string>());

        Assert.Equal(0, await t.NewTopUpsAsync());
        Assert.Equal(0, await t.SspCallsAsync(Checkout));
    }

    [Fact]
    public async Task Starting_a_top_up_without_a_gateway_is_a_400_validation_error()
    {
        await using var t = await funding.StartAsync("admin_start_nogw");
        var problem = await PostAsync(t.App, $"/admin/v1/resellers/{t.Shop.Id}/topups", new { amount = 100m });
        Assert.True(problem.Status == 400, $"HTTP {problem.Status} {problem.Body.ToJsonString()}");
        Assert.NotNull(problem.Body["errors"]);
        Assert.Equal(0, await t.NewTopUpsAsync());
    }

    [Fact]
    public async Task The_top_up_list_shows_gateway_references_and_filters_by_status_gateway_and_reseller()
    {
        await using var t = await FundingHarness.StartAsync("admin_list");
        await t.StubCheckoutAsync();
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        var other = await t.App.CreateResellerAsync(0m, "Other Shop");

        var paid = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.StubVerifyAsync("TRX-LIST", FundingHarness.VerifyReply("TRX-LIST", paid, 100m));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={paid}&transaction_id=TRX-LIST")).Body);
        var sp = await t.StartTopUpAsync(200m, "shurjopay");
        var (otherStatus, otherBody) = await other.PostFormAsync("/api/wallet.php?action=add_fund", [("amount", "300"), ("gateway", "securesoftpay")]);
        Assert.Equal(200, otherStatus);
        var others = otherBody["topup_id"]!.GetValue<string>();

        var all = await ListAsync(t.App, "");
        Assert.Equal([others, sp, paid], all.Select(x => x["top_up_id"]!.GetValue<string>()));
        var paidRow = all.Single(x => x["top_up_id"]!.GetValue<string>() == paid);
        Assert.Equal("TRX-LIST", paidRow["gateway_transaction_id"]!.GetValue<string>());
        Assert.Equal("Completed", paidRow["status"]!.GetValue<string>());
        Assert.Equal("reseller", paidRow["initiated_by"]!.GetValue<string>());
        var spRow = all.Single(x => x["top_up_id"]!.GetValue<string>() == sp);
        Assert.Equal(FundingHarness.SpOrderId(sp), spRow["gateway_order_id"]!.GetValue<string>());
        Assert.Equal("shurjopay", spRow["gateway"]!.GetValue<string>());
        Assert.Equal(other.Id, all.Single(x => x["top_up_id"]!.GetValue<string>() == others)["reseller_id"]!.GetValue<int>());

        Assert.Equal([sp], Ids(await ListAsync(t.App, "?gateway=shurjopay")));
        Assert.Equal([others, paid], Ids(await ListAsync(t.App, "?gateway=SecureSoftPay")));
        Assert.Equal([others], Ids(await ListAsync(t.App, $"?reseller_id={other.Id}")));
        Assert.Equal([sp, paid], Ids(await ListAsync(t.App, $"?reseller_id={t.Shop.Id}")));
        Assert.Equal([paid], Ids(await ListAsync(t.App, "?status=Completed")));
        Assert.Equal([paid], Ids(await ListAsync(t.App, "?status=completed")));
        Assert.Equal([others], Ids(await ListAsync(t.App, "?status=Pending&gateway=securesoftpay")));
        Assert.Equal([sp], Ids(await ListAsync(t.App, $"?status=Pending&reseller_id={t.Shop.Id}")));
        Assert.Empty(await ListAsync(t.App, "?status=Review"));
        Assert.Equal([others], Ids(await ListAsync(t.App, "?limit=1")));

        foreach (var bad in new[] { "?status=Bogus", "?status=99", "?gateway=paypal" })
        {
            using var client = t.App.Admin();
            using var response = await client.GetAsync("/admin/v1/topups" + bad);
            var problem = await PaymentHubApp.ReadAsync(response, 400);
            Assert.Equal(400, problem["status"]!.GetValue<int>());
            Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()), bad);
        }
        Assert.Equal("Invalid status", (await t.App.AdminGetAsync("/admin/v1/topups?status=Bogus", 400))["title"]!.GetValue<string>());

        var one = await t.App.AdminGetAsync($"/admin/v1/topups/{paid}");
        Assert.Equal("TRX-LIST", one["gateway_transaction_id"]!.GetValue<string>());
        await t.App.AdminGetAsync("/admin/v1/topups/TUAAAAAAAAAAAAAA", 404);
    }

    [Fact]
    public async Task The_review_queue_is_worked_off_by_approving_once_or_rejecting_for_good()
    {
        await using var t = await funding.StartAsync("admin_review");
        await t.StubCheckoutAsync();
        var approveMe = await t.StartTopUpAsync(100m, "securesoftpay");
        var rejectMe = await t.StartTopUpAsync(40m, "securesoftpay");
        await t.Stub("POST", $"{t.SspBase}{Verify}", 502, null, rawBody: Html502, contentType: "text/html");
        await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={approveMe}&transaction_id=TRX-A");
        await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={rejectMe}&transaction_id=TRX-R");

        var queue = await ListAsync(t.App, $"?status=Review&reseller_id={t.Shop.Id}");
        Assert.Equal([rejectMe, approveMe], Ids(queue));
        Assert.All(queue, x => Assert.Equal("Pending", x["reseller_status"]!.GetValue<string>()));
        Assert.All(queue, x => Assert.Contains("could not be verified", x["review_reason"]!.GetValue<string>()));
        Assert.Equal(0m, await t.Shop.BalanceAsync());

        var approved = await t.App.AdminPostAsync($"/admin/v1/topups/{approveMe}/approve", new { note = "  Paid per merchant panel  " });
        Assert.Equal("Completed", approved["status"]!.GetValue<string>());
        Assert.Equal("Paid per merchant panel", approved["note"]!.GetValue<string>());
        Assert.NotNull(approved["credit_journal_id"]);
        Assert.NotNull(approved["completed_at"]);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal("Completed", await t.TopUpStatusAsync(approveMe));
        var again = await t.App.AdminPostAsync($"/admin/v1/topups/{approveMe}/approve", new { note = "again" }, 409);
        Assert.Equal("Top-up already final", again["title"]!.GetValue<string>());
        await t.App.AdminPostAsync($"/admin/v1/topups/{approveMe}/reject", new { note = "too late" }, 409);

        var rejected = await t.App.AdminPostAsync($"/admin/v1/topups/{rejectMe}/reject", new { note = "No such payment in the panel" });
        Assert.Equal("Rejected", rejected["status"]!.GetValue<string>());
        Assert.Equal("Failed", rejected["reseller_status"]!.GetValue<string>());
        Assert.Equal("Failed", await t.TopUpStatusAsync(rejectMe));
        var late = await t.App.AdminPostAsync($"/admin/v1/topups/{rejectMe}/approve", new { note = "changed my mind" }, 409);
        Assert.Equal("Top-up already final", late["title"]!.GetValue<string>());
        await t.App.AdminPostAsync($"/admin/v1/topups/{rejectMe}/reject", new { note = "twice" }, 409);

        // A rejected top-up stays rejected even if the gateway later says it was paid.
        var verifyCalls = await t.SspCallsAsync(Verify);
        await t.StubVerifyAsync("TRX-R", FundingHarness.VerifyReply("TRX-R", rejectMe, 40m));
        Assert.Contains("Payment failed", (await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={rejectMe}&transaction_id=TRX-R")).Body);
        Assert.Equal("Rejected", (await t.App.AdminPostAsync($"/admin/v1/topups/{rejectMe}/recheck", new { }))["status"]!.GetValue<string>());
        Assert.Equal(verifyCalls, await t.SspCallsAsync(Verify));

        Assert.Empty(await ListAsync(t.App, $"?status=Review&reseller_id={t.Shop.Id}"));
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(approveMe));
        Assert.Equal(0, await t.CreditJournalsAsync(rejectMe));
    }

    [Fact]
    public async Task Approve_and_reject_need_a_note_and_an_existing_top_up()
    {
        await using var t = await funding.StartAsync("admin_decide_bad");
        await t.StubCheckoutAsync();
        var topUpId = await t.StartTopUpAsync(100m, "securesoftpay");

        foreach (var action in new[] { "approve", "reject" })
        {
            foreach (var body in new object[] { new { note = "" }, new { note = "   " }, new { }, new { note = new string('n', 501) } })
            {
                var problem = await PostAsync(t.App, $"/admin/v1/topups/{topUpId}/{action}", body);
                Assert.True(problem.Status == 400, $"{action} {System.Text.Json.JsonSerializer.Serialize(body)}: HTTP {problem.Status} {problem.Body.ToJsonString()}");
            }
            var missing = await t.App.AdminPostAsync($"/admin/v1/topups/TUAAAAAAAAAAAAAA/{action}", new { note = "x" }, 404);
            Assert.Equal("Top-up not found", missing["title"]!.GetValue<string>());
        }
        await t.App.AdminPostAsync("/admin/v1/topups/TUAAAAAAAAAAAAAA/recheck", new { }, 404);

        Assert.Equal("Pending", (await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>());
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task Recheck_asks_the_gateway_again_and_credits_once_it_confirms()
    {
        await using var t = await funding.StartAsync("admin_recheck");
        await t.StubCheckoutAsync();
        var topUpId = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.Stub("POST", $"{t.SspBase}{Verify}", 502, null, rawBody: Html502, contentType: "text/html");
        await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={topUpId}&transaction_id=TRX-RC");
        Assert.Equal("Review", (await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>());

        // Still down: stays in review.
        Assert.Equal("Review", (await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/recheck", new { }))["status"]!.GetValue<string>());
        Assert.Equal(0m, await t.Shop.BalanceAsync());

        await t.StubVerifyAsync("TRX-RC", FundingHarness.VerifyReply("TRX-RC", topUpId, 100m));
        var after = await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/recheck", new { });
        Assert.Equal("Completed", after["status"]!.GetValue<string>());
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        var calls = await t.SspCallsAsync(Verify);

        Assert.Equal("Completed", (await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/recheck", new { }))["status"]!.GetValue<string>());
        Assert.Equal(calls, await t.SspCallsAsync(Verify));
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
    }

    [Fact]
    public async Task Funding_gateway_settings_are_listed_and_validated_before_they_change()
    {
        await using var t = await FundingHarness.StartAsync("admin_gateways",
            new Dictionary<string, string?> { ["Connectors:ShurjoPay:BaseUrl"] = "" });

        var list = (await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray();
        // No sandbox outside Development (SandboxFundingTests covers both sides).
        Assert.Equal(["shurjopay", "securesoftpay"], list.Select(g => g!["gateway"]!.GetValue<string>()));
        var ssp = list.Single(g => g!["gateway"]!.GetValue<string>() == "securesoftpay")!;
        Assert.True(ssp["is_enabled"]!.GetValue<bool>());
        Assert.True(ssp["is_configured"]!.GetValue<bool>());
        Assert.Equal(10m, ssp["min_amount"]!.GetValue<decimal>());
        Assert.Equal(100000m, ssp["max_amount"]!.GetValue<decimal>());
        Assert.Equal(0m, ssp["fee_percent"]!.GetValue<decimal>());
        Assert.False(list.Single(g => g!["gateway"]!.GetValue<string>() == "shurjopay")!["is_configured"]!.GetValue<bool>());

        foreach (var (name, body) in new (string, object)[]
                 {
                     ("min above max", new { is_enabled = true, min_amount = 500m, max_amount = 100m, fee_percent = 0m, fee_fixed = 0m }),
                     ("zero min", new { is_enabled = true, min_amount = 0m, max_amount = 100m, fee_percent = 0m, fee_fixed = 0m }),
                     ("fee over 100 %", new { is_enabled = true, min_amount = 10m, max_amount = 100m, fee_percent = 100.5m, fee_fixed = 0m }),
                     ("negative fee", new { is_enabled = true, min_amount = 10m, max_amount = 100m, fee_percent = 0m, fee_fixed = -1m }),
                     ("three decimals", new { is_enabled = true, min_amount = 10.001m, max_amount = 100m, fee_percent = 0m, fee_fixed = 0m }),
                 })
        {
            var (status, problem) = await PutGatewayAsync(t.App, "securesoftpay", body, 400);
            Assert.True(status == 400, name);
            Assert.Equal(400, problem["status"]!.GetValue<int>());
            Assert.NotEmpty(problem["errors"]!.AsObject());
        }
        var (_, minAboveMax) = await PutGatewayAsync(t.App, "securesoftpay",
            new { is_enabled = true, min_amount = 500m, max_amount = 100m, fee_percent = 0m, fee_fixed = 0m }, 400);
        Assert.Contains("MaxAmount", minAboveMax["errors"]!.AsObject().Select(e => e.Key), StringComparer.OrdinalIgnoreCase);

        var (unknownStatus, unknown) = await PutGatewayAsync(t.App, "paypal",
            new { is_enabled = true, min_amount = 10m, max_amount = 100m, fee_percent = 0m, fee_fixed = 0m }, 404);
        Assert.Equal(404, unknownStatus);
        Assert.Equal("Gateway not found", unknown["title"]!.GetValue<string>());

        // Nothing of the refused updates was stored.
        var unchanged = (await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray().Single(g => g!["gateway"]!.GetValue<string>() == "securesoftpay")!;
        Assert.Equal(10m, unchanged["min_amount"]!.GetValue<decimal>());
        Assert.Equal(100000m, unchanged["max_amount"]!.GetValue<decimal>());

        var (_, updated) = await PutGatewayAsync(t.App, "SecureSoftPay",
            new { is_enabled = false, min_amount = 20m, max_amount = 20000m, fee_percent = 1.75m, fee_fixed = 2m }, 200);
        Assert.Equal("securesoftpay", updated["gateway"]!.GetValue<string>());
        Assert.False(updated["is_enabled"]!.GetValue<bool>());
        Assert.Equal(20m, updated["min_amount"]!.GetValue<decimal>());
        Assert.Equal(20000m, updated["max_amount"]!.GetValue<decimal>());
        Assert.Equal(1.75m, updated["fee_percent"]!.GetValue<decimal>());
        Assert.Equal(2m, updated["fee_fixed"]!.GetValue<decimal>());
        var stored = (await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray().Single(g => g!["gateway"]!.GetValue<string>() == "securesoftpay")!;
        Assert.Equal(updated.ToJsonString(), stored.ToJsonString());
    }

    [Fact]
    public async Task Admin_endpoints_require_the_admin_key()
    {
        await using var t = await funding.StartAsync("admin_auth");
        await t.StubCheckoutAsync();
        var topUpId = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.Stub("POST", $"{t.SspBase}{Verify}", 502, null, rawBody: Html502, contentType: "text/html");
        await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={topUpId}&transaction_id=TRX-AUTH");
        var checkouts = await t.SspCallsAsync(Checkout);
        var verifies = await t.SspCallsAsync(Verify);

        foreach (var key in new[] { null, "wrong-admin-key-0000000000000000000000", PaymentHubApp.AdminKey + "x" })
        {
            using var client = t.App.CreateClient();
            if (key is not null)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            var note = JsonContent.Create(new { note = "sneaky" });
            var settings = JsonContent.Create(new { is_enabled = true, min_amount = 1m, max_amount = 999999m, fee_percent = 0m, fee_fixed = 0m });
            var start = JsonContent.Create(new { amount = 100m, gateway = "securesoftpay" });
            foreach (var request in new Func<Task<HttpResponseMessage>>[]
                     {
                         () => client.GetAsync("/admin/v1/topups"),
                         () => client.GetAsync("/admin/v1/topups?status=Review"),
                         () => client.GetAsync($"/admin/v1/topups/{topUpId}"),
                         () => client.PostAsync($"/admin/v1/topups/{topUpId}/approve", note),
                         () => client.PostAsync($"/admin/v1/topups/{topUpId}/reject", note),
                         () => client.PostAsync($"/admin/v1/topups/{topUpId}/recheck", null),
                         () => client.PostAsync($"/admin/v1/resellers/{t.Shop.Id}/topups", start),
                         () => client.GetAsync("/admin/v1/funding-gateways"),
                         () => client.PutAsync("/admin/v1/funding-gateways/securesoftpay", settings),
                     })
            {
                using var response = await request();
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                    $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} with key {key ?? "(none)"}: {(int)response.StatusCode}");
                Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString());
            }
        }

        // None of it had an effect.
        var after = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Review", after["status"]!.GetValue<string>());
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.NewTopUpsAsync());
        Assert.Equal(checkouts, await t.SspCallsAsync(Checkout));
        Assert.Equal(verifies, await t.SspCallsAsync(Verify));
        var ssp = (await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray().Single(g => g!["gateway"]!.GetValue<string>() == "securesoftpay")!;
        Assert.Equal(10m, ssp["min_amount"]!.GetValue<decimal>());
    }

    // ---- helpers ----

    private static async Task<List<JsonNode>> ListAsync(PaymentHubApp app, string query) =>
        (await app.AdminGetAsync("/admin/v1/topups" + query)).AsArray().Select(x => x!).ToList();

    private static List<string> Ids(IEnumerable<JsonNode> rows) => rows.Select(x => x["top_up_id"]!.GetValue<string>()).ToList();

    private static async Task<(int Status, JsonNode Body)> PostAsync(PaymentHubApp app, string path, object body)
    {
        using var client = app.Admin();
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }

    private static async Task<(int Status, JsonNode Body)> PostRawAsync(PaymentHubApp app, string path, string json)
    {
        using var client = app.Admin();
        using var response = await client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }

    private static async Task<(int Status, JsonNode Body)> PutGatewayAsync(PaymentHubApp app, string gateway, object settings, int expectedStatus)
    {
        using var client = app.Admin();
        using var response = await client.PutAsJsonAsync($"/admin/v1/funding-gateways/{gateway}", settings);
        return ((int)response.StatusCode, await PaymentHubApp.ReadAsync(response, expectedStatus));
    }
}
