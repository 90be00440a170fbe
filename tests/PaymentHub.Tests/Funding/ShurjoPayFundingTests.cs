using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Funding;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Funding;

[RunsLong(100)]
public sealed class ShurjoPayFundingTests(FundingFixture funding) : IClassFixture<FundingFixture>
{
    [Fact]
    public async Task Happy_path_verifies_server_side_and_credits_once()
    {
        await using var t = await funding.StartAsync("sp_happy");
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();

        var (status, body) = await t.AddFundAsync(100m, "shurjopay", ("customer_name", "Rahim Store"), ("customer_phone", "01711111111"),
            ("return_url", "https://shop.example.test/wallet?x=1"));
        Assert.Equal(200, status);
        var topUpId = body["topup_id"]!.GetValue<string>();
        Assert.Equal("Pending", body["status"]!.GetValue<string>());
        Assert.Equal("100.00", body["amount"]!.GetValue<string>());
        Assert.StartsWith("https://sandbox.securepay.shurjopayment.com/spaycheckout/", body["payment_url"]!.GetValue<string>());
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));

        // The seed's fields, with the token in the body and in the header, and our return URL.
        Assert.Equal(1, await t.SpCallsAsync("get_token"));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", $"\"order_id\":\"{topUpId}\""));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", "\"prefix\":\"sp\",\"token\":\"sp-token-1\",\"store_id\":\"1\""));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay",
            $"\"return_url\":\"https://hub.example.test/payments/shurjopay/return\",\"cancel_url\":\"https://hub.example.test/payments/shurjopay/cancel?topup={topUpId}\",\"amount\":100"));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", "\"currency\":\"BDT\",\"customer_name\":\"Rahim Store\""));
        Assert.Equal(0m, await t.Shop.BalanceAsync());

        await t.StubCheckAsync("verification", topUpId, "1000", "100.0000");
        var (pageStatus, page) = await t.BrowserGetAsync($"/payments/shurjopay/return?order_id={FundingHarness.SpOrderId(topUpId)}");
        Assert.Equal(200, pageStatus);
        Assert.Contains("Payment completed", page);
        Assert.Contains("BDT 100.00", page);
        Assert.Contains(topUpId, page);
        Assert.Contains($"https://shop.example.test/wallet?x=1&amp;topup_id={topUpId}&amp;status=Completed", page);

        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(1, await t.SpCallsAsync("verification", $"\"order_id\":\"{FundingHarness.SpOrderId(topUpId)}\""));
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Completed", admin["status"]!.GetValue<string>());
        Assert.Equal(FundingHarness.SpOrderId(topUpId), admin["gateway_order_id"]!.GetValue<string>());
        Assert.Equal("1000", admin["gateway_code"]!.GetValue<string>());
        Assert.Equal("bKash", admin["payment_method"]!.GetValue<string>());

        // The journal: gateway clearing pays the wallet, no fee configured.
        var entries = await t.App.WithDbAsync(db => db.LedgerJournals.Where(j => j.Kind == JournalKind.TopUpCredit && j.Reference == topUpId)
            .SelectMany(j => j.Entries).Select(e => e.Amount).OrderBy(a => a).ToListAsync());
        Assert.Equal([-100m, 100m], entries);
    }

    private static string Return(string topUpId) => $"/payments/shurjopay/return?order_id={FundingHarness.SpOrderId(topUpId)}";

    private async Task<(FundingHarness Harness, string TopUpId)> StartedAsync(string name, decimal amount = 100m,
        IDictionary<string, string?>? settings = null)
    {
        var t = await funding.StartAsync(name, settings);
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        return (t, await t.StartTopUpAsync(amount, "shurjopay"));
    }

    [Fact]
    public async Task A_replayed_return_and_ipn_after_completion_credit_nothing_more()
    {
        var (t, topUpId) = await StartedAsync("sp_replay");
        await using var _ = t;
        await t.StubCheckAsync("verification", topUpId, "1000");
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId))).Body);

        for (var i = 0; i < 3; i++)
        {
            var (status, page) = await t.BrowserGetAsync(Return(topUpId));
            Assert.Equal(200, status);
            Assert.Contains("Payment completed", page);
            Assert.Equal(200, (await t.BrowserPostAsync($"/payments/shurjopay/ipn?order_id={FundingHarness.SpOrderId(topUpId)}")).Status);
        }
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(1, await t.SpCallsAsync("verification"));
    }

    [Fact]
    public async Task A_forged_return_or_ipn_for_an_order_we_never_created_credits_nothing_and_asks_nobody()
    {
        var (t, topUpId) = await StartedAsync("sp_forged");
        await using var _ = t;
        await t.StubCheckAsync("verification", topUpId, "1000");

        var (status, page) = await t.BrowserGetAsync("/payments/shurjopay/return?order_id=sp6405ae1473f63");
        Assert.Equal(404, status);
        Assert.Contains("Payment not found", page);
        Assert.Equal(404, (await t.BrowserGetAsync("/payments/shurjopay/ipn?order_id=sp6405ae1473f63")).Status);
        Assert.Equal(404, (await t.BrowserGetAsync("/payments/shurjopay/return?order_id=<script>")).Status);
        Assert.Equal(404, (await t.BrowserGetAsync("/payments/shurjopay/return")).Status);
        Assert.Equal(400, (await t.BrowserPostAsync("/payments/shurjopay/ipn")).Status);
        // Our own top-up id is not shurjoPay's order id: it does not match either.
        Assert.Equal(404, (await t.BrowserGetAsync($"/payments/shurjopay/return?order_id={topUpId}")).Status);

        Assert.Equal(0, await t.SpCallsAsync("verification"));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task Pending_then_paid_is_credited_when_shurjopay_finally_says_1000()
    {
        var (t, topUpId) = await StartedAsync("sp_pending");
        await using var _ = t;
        await t.StubCheckAsync("verification", topUpId, "1068", message: "initiated", scenario: "verify", newState: "paid");
        await t.StubCheckAsync("verification", topUpId, "1000", scenario: "verify", requiredState: "paid");

        var (_, page) = await t.BrowserGetAsync(Return(topUpId));
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));

        // shurjoPay's IPN, unsigned: it only makes us ask again.
        var (ipnStatus, ipn) = await t.BrowserGetAsync($"/payments/shurjopay/ipn?order_id={FundingHarness.SpOrderId(topUpId)}");
        Assert.Equal(200, ipnStatus);
        Assert.Contains("Completed", ipn);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(2, await t.SpCallsAsync("verification"));
    }

    [Fact]
    public async Task The_background_job_asks_payment_status_until_paid_and_credits_once()
    {
        var (t, topUpId) = await StartedAsync("sp_watcher", settings: new Dictionary<string, string?> { ["Funding:WatcherEnabled"] = "true" });
        await using var _ = t;
        await t.StubCheckAsync("payment-status", topUpId, "1068", message: "initiated", scenario: "status", newState: "still");
        await t.StubCheckAsync("payment-status", topUpId, "1065", message: "DBBL timeout", scenario: "status", requiredState: "still", newState: "paid");
        await t.StubCheckAsync("payment-status", topUpId, 1000, scenario: "status", requiredState: "paid");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await t.TopUpStatusAsync(topUpId) == "Pending" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(3, await t.SpCallsAsync("payment-status"));
        Assert.Equal(0, await t.SpCallsAsync("verification"));
        // Settled, it is no longer due, however long after: a pass finds nothing to ask about.
        t.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await t.App.Services.GetRequiredService<TopUpWatcher>().RunOnceAsync(CancellationToken.None));
        Assert.Equal(3, await t.SpCallsAsync("payment-status"));
    }

    [Fact]
    public async Task An_unpaid_top_up_expires_after_its_time_and_a_late_verified_payment_still_completes_it()
    {
        var (t, topUpId) = await StartedAsync("sp_expiry", settings: new Dictionary<string, string?>
        {
            ["Funding:WatcherEnabled"] = "true",
            ["Funding:PendingMinutes"] = "0.02",
        });
        await using var _ = t;
        await t.StubCheckAsync("payment-status", topUpId, "1068", message: "initiated");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>() != "Expired" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Equal("Expired", (await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>());
        Assert.Equal("Failed", await t.TopUpStatusAsync(topUpId));
        // Expired, it is no longer due, however long after: a pass finds nothing to ask about.
        var checks = await t.SpCallsAsync("payment-status");
        t.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await t.App.Services.GetRequiredService<TopUpWatcher>().RunOnceAsync(CancellationToken.None));
        Assert.Equal(checks, await t.SpCallsAsync("payment-status"));

        await t.StubCheckAsync("verification", topUpId, "1000");
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId))).Body);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
    }

    [Theory]
    [InlineData("1002", "Cancel", "Cancelled", "Payment cancelled")]
    [InlineData("1001", "Transaction failed", "Failed", "Payment failed")]
    [InlineData("1067", "Declined", "Failed", "Payment failed")]
    public async Task A_cancelled_or_failed_payment_is_closed_without_credit(string code, string message, string resellerStatus, string headline)
    {
        var (t, topUpId) = await StartedAsync("sp_closed_" + code);
        await using var _ = t;
        await t.StubCheckAsync("verification", topUpId, code, message: message);

        var (status, page) = await t.BrowserGetAsync(Return(topUpId));
        Assert.Equal(200, status);
        Assert.Contains(headline, page);
        Assert.Equal(resellerStatus, await t.TopUpStatusAsync(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(code, (await t.AdminTopUpAsync(topUpId))["gateway_code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("90.0000", "BDT")]
    [InlineData("100.5000", "BDT")]
    [InlineData("100.0000", "USD")]
    public async Task A_paid_answer_for_another_amount_or_currency_goes_to_review_without_credit(string amount, string currency)
    {
        var (t, topUpId) = await StartedAsync("sp_mismatch_" + amount[..2] + currency);
        await using var _ = t;
        await t.StubCheckAsync("verification", topUpId, "1000", amount: amount, currency: currency);

        var (_, page) = await t.BrowserGetAsync(Return(topUpId));
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        var queue = await t.App.AdminGetAsync($"/admin/v1/topups?status=Review&reseller_id={t.Shop.Id}");
        var item = Assert.Single(queue.AsArray());
        Assert.Equal(topUpId, item!["top_up_id"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(item["review_reason"]!.GetValue<string>()));

        // A second return does not credit it either; the operator decides.
        await t.BrowserGetAsync(Return(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/reject", new { note = "Paid amount differs; refunded by the gateway." });
        Assert.Equal("Failed", await t.TopUpStatusAsync(topUpId));
        await t.BrowserGetAsync(Return(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task Return_and_ipn_arriving_together_on_two_instances_credit_exactly_once()
    {
        var (t, topUpId) = await StartedAsync("sp_race");
        await using var _ = t;
        await using var second = await t.StartSecondInstanceAsync();
        await t.StubCheckAsync("verification", topUpId, "1000", delayMs: 150);

        var spOrderId = FundingHarness.SpOrderId(topUpId);
        var calls = Enumerable.Range(0, 16).Select(async i =>
        {
            var app = i % 2 == 0 ? t.App : second;
            using var client = app.CreateClient();
            using var response = i % 4 < 2
                ? await client.GetAsync($"/payments/shurjopay/return?order_id={spOrderId}")
                : await client.PostAsync($"/payments/shurjopay/ipn?order_id={spOrderId}", new FormUrlEncodedContent([]));
            return (int)response.StatusCode;
        });
        Assert.All(await Task.WhenAll(calls), status => Assert.Equal(200, status));

        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task Returns_ipns_and_both_instances_background_jobs_racing_credit_exactly_once()
    {
        var watching = new Dictionary<string, string?> { ["Funding:WatcherEnabled"] = "true", ["Funding:PollIntervalMs"] = "20" };
        var (t, topUpId) = await StartedAsync("sp_race_watch", settings: watching);
        await using var _ = t;
        await using var second = await t.StartSecondInstanceAsync(watching);
        // Both background jobs find the top-up due (first check after 0.2 s) while returns and IPNs arrive on both instances.
        await t.StubCheckAsync("payment-status", topUpId, "1000", delayMs: 100);
        // Verification is slower, so the top-up is still open when the jobs' first check falls due.
        await t.StubCheckAsync("verification", topUpId, "1000", delayMs: 400);
        await Task.Delay(150);

        var spOrderId = FundingHarness.SpOrderId(topUpId);
        var calls = Enumerable.Range(0, 12).Select(async i =>
        {
            await Task.Delay(i * 15);
            using var client = (i % 2 == 0 ? t.App : second).CreateClient();
            using var response = i % 3 == 0
                ? await client.PostAsync($"/payments/shurjopay/ipn?order_id={spOrderId}", new FormUrlEncodedContent([]))
                : await client.GetAsync($"/payments/shurjopay/return?order_id={spOrderId}");
            return (int)response.StatusCode;
        });
        Assert.All(await Task.WhenAll(calls), status => Assert.Equal(200, status));
        // The background jobs' checks run on their own schedule: look until one of them has asked (or fail at the deadline).
        await Poll.UntilAsync(() => t.SpCallsAsync("payment-status"), asked => asked >= 1, seconds: 10);

        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task The_token_is_shared_by_concurrent_requests_and_fetched_once()
    {
        await using var t = await funding.StartAsync("sp_token_shared");
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        var started = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => t.StartTopUpAsync(50m, "shurjopay")));
        Assert.Equal(12, started.Distinct().Count());
        Assert.Equal(1, await t.SpCallsAsync("get_token"));
        Assert.Equal(12, await t.SpCallsAsync("secret-pay"));
    }

    [Theory]
    [InlineData("1", null)]      // the reply's expires_in (seconds) is the shorter
    [InlineData("3600", "1")]    // our own cap (the documented 15 minutes, here 1 s) is the shorter
    public async Task An_expired_token_is_replaced_before_use(string expiresIn, string? maxLifetime)
    {
        await using var t = await funding.StartAsync("sp_token_expiry_" + expiresIn, new Dictionary<string, string?>
        {
            ["Connectors:ShurjoPay:MaxTokenLifetimeSeconds"] = maxLifetime ?? "900",
        });
        await t.StubTokenAsync(expiresIn: int.Parse(expiresIn, System.Globalization.CultureInfo.InvariantCulture));
        await t.StubSecretPayAsync();
        var topUpId = await t.StartTopUpAsync(100m, "shurjopay");
        Assert.Equal(1, await t.SpCallsAsync("get_token"));
        await t.StubCheckAsync("verification", topUpId, "1000");

        // Past either lifetime (1 s) on the gateway's clock.
        t.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId))).Body);
        Assert.Equal(2, await t.SpCallsAsync("get_token"));
        Assert.Equal(100m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task A_token_rejected_by_shurjopay_is_replaced_once_and_the_call_repeated()
    {
        await using var t = await funding.StartAsync("sp_reauth");
        await t.StubTokenAsync("sp-token-old", scenario: "token", newState: "renewed");
        await t.StubTokenAsync("sp-token-new", scenario: "token", requiredState: "renewed");
        await t.Stub("POST", $"{t.SpBase}/secret-pay", 401, new JsonObject { ["message"] = "Unauthenticated." },
            headerEquals: ("Authorization", "Bearer sp-token-old"));
        await t.StubSecretPayAsync("sp-token-new");

        var topUpId = await t.StartTopUpAsync(100m, "shurjopay");
        Assert.Equal(2, await t.SpCallsAsync("get_token"));
        Assert.Equal(2, await t.SpCallsAsync("secret-pay"));

        // The new token stays in use: the verification does not authenticate again.
        await t.StubCheckAsync("verification", topUpId, "1000");
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId))).Body);
        Assert.Equal(2, await t.SpCallsAsync("get_token"));
        Assert.Equal(1, t.Mock.Count(r => r.Method == "POST" && r.PathAndQuery == $"{t.SpBase}/verification"
            && r.Header("Authorization") == "Bearer sp-token-new"));
    }

    [Fact]
    public async Task A_token_rejected_again_after_renewal_fails_the_start_without_looping()
    {
        await using var t = await funding.StartAsync("sp_reauth_fail");
        await t.StubTokenAsync();
        await t.Stub("POST", $"{t.SpBase}/secret-pay", 200, new JsonObject { ["sp_code"] = "1064", ["message"] = "Merchant authentication failed" });

        var (status, body) = await t.AddFundAsync(100m, "shurjopay");
        Assert.Equal(502, status);
        Assert.Equal(2, await t.SpCallsAsync("get_token"));
        Assert.Equal(2, await t.SpCallsAsync("secret-pay"));
        var topUpId = body["topup_id"]!.GetValue<string>();
        Assert.Equal("Failed", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task Refused_store_credentials_are_a_clear_gateway_error()
    {
        await using var t = await funding.StartAsync("sp_badcreds");
        await t.Stub("POST", $"{t.SpBase}/get_token", 200, new JsonObject { ["sp_code"] = "1003", ["message"] = "Credentials mismatch" });
        var (status, body) = await t.AddFundAsync(100m, "shurjopay");
        Assert.Equal(502, status);
        Assert.Contains("1003", body["gateway_message"]!.GetValue<string>());
        Assert.Equal(0, await t.SpCallsAsync("secret-pay"));
    }

    [Fact]
    public async Task Validation_errors_from_secret_pay_come_back_to_the_reseller()
    {
        await using var t = await funding.StartAsync("sp_validation");
        await t.StubTokenAsync();
        await t.Stub("POST", $"{t.SpBase}/secret-pay", 200, new JsonObject
        {
            ["customer_phone"] = "The customer phone field is required.",
            ["order_id"] = "The order id field is required.",
        });
        var (status, body) = await t.AddFundAsync(100m, "shurjopay");
        Assert.Equal(502, status);
        Assert.Contains("customer_phone: The customer phone field is required.", body["gateway_message"]!.GetValue<string>());
        Assert.Equal("Failed", await t.TopUpStatusAsync(body["topup_id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("html")]
    [InlineData("timeout")]
    [InlineData("reset")]
    public async Task Secret_pay_failures_fail_the_top_up_and_are_never_resent(string failure)
    {
        await using var t = await funding.StartAsync("sp_start_" + failure);
        await t.StubTokenAsync();
        await StubFailureAsync(t, "secret-pay", failure);
        var (status, body) = await t.AddFundAsync(100m, "shurjopay");
        Assert.Equal(502, status);
        Assert.Equal("Failed", await t.TopUpStatusAsync(body["topup_id"]!.GetValue<string>()));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay"));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }

    [Theory]
    [InlineData("html", 3)]
    [InlineData("timeout", 3)]
    [InlineData("reset", 3)]
    [InlineData("garbage", 1)]
    public async Task Verification_failures_leave_the_top_up_pending_and_a_later_answer_completes_it(string failure, int expectedCalls)
    {
        var (t, topUpId) = await StartedAsync("sp_verify_" + failure);
        await using var _ = t;
        await StubFailureAsync(t, "verification", failure);

        var (status, page) = await t.BrowserGetAsync(Return(topUpId));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        // Verification is safe to repeat: transport failures and 5xx were retried (2 retries); a readable 200 was not.
        Assert.Equal(expectedCalls, await t.SpCallsAsync("verification"));

        await t.StubCheckAsync("verification", topUpId, "1000");
        Assert.Equal(200, (await t.BrowserGetAsync($"/payments/shurjopay/ipn?order_id={FundingHarness.SpOrderId(topUpId)}")).Status);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
    }

    [Fact]
    public async Task An_order_shurjopay_does_not_know_is_not_credited()
    {
        var (t, topUpId) = await StartedAsync("sp_1011");
        await using var _ = t;
        await t.Stub("POST", $"{t.SpBase}/verification", 200, new JsonObject { ["sp_code"] = "1011", ["message"] = "Please check your order id" });
        var (_, page) = await t.BrowserGetAsync(Return(topUpId));
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task The_operators_gateway_fee_is_booked_as_a_separate_entry()
    {
        var (t, topUpId) = await StartedAsync("sp_fee", amount: 200m);
        await using var _ = t;
        await t.SetGatewayFeeAsync("shurjopay", 1.5m);
        await t.StubCheckAsync("verification", topUpId, "1000", amount: "200.0000");
        await t.BrowserGetAsync(Return(topUpId));

        await t.AssertFeeBookedSeparatelyAsync(topUpId);
    }

    [Fact]
    public async Task On_the_embedded_sqlite_default_concurrent_return_and_ipn_credit_once()
    {
        var dir = Directory.CreateTempSubdirectory("paymenthub-funding-sqlite");
        try
        {
            var (t, topUpId) = await StartedAsync("sp_sqlite", settings: new Dictionary<string, string?>
            {
                ["Database:Provider"] = "Sqlite",
                ["ConnectionStrings:PaymentHub"] = $"Data Source={Path.Combine(dir.FullName, "paymenthub.db")}",
            });
            await using var _ = t;
            await t.StubCheckAsync("verification", topUpId, "1000", delayMs: 100);
            var spOrderId = FundingHarness.SpOrderId(topUpId);
            var statuses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => i % 2 == 0
                ? t.BrowserGetAsync($"/payments/shurjopay/return?order_id={spOrderId}")
                : t.BrowserPostAsync($"/payments/shurjopay/ipn?order_id={spOrderId}")));
            Assert.All(statuses, r => Assert.Equal(200, r.Status));
            Assert.Equal(100m, await t.Shop.BalanceAsync());
            Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_ledger_check_catches_a_completed_top_up_without_its_credit()
    {
        var (t, topUpId) = await StartedAsync("sp_ledger_check");
        await using var _ = t;
        await t.App.WithDbAsync(db => db.TopUps.Where(x => x.Reference == topUpId)
            .ExecuteUpdateAsync(x => x.SetProperty(p => p.Status, PaymentHub.Funding.TopUpStatus.Completed)));
        var check = await t.App.AdminGetAsync("/admin/v1/ledger/check");
        Assert.False(check["ok"]!.GetValue<bool>());
        var mismatch = Assert.Single(check["top_up_credit_mismatches"]!.AsArray());
        Assert.Equal(topUpId, mismatch!["top_up_id"]!.GetValue<string>());
        Assert.Equal(0, mismatch["credit_journals"]!.GetValue<int>());

        await t.App.WithDbAsync(db => db.TopUps.Where(x => x.Reference == topUpId)
            .ExecuteUpdateAsync(x => x.SetProperty(p => p.Status, PaymentHub.Funding.TopUpStatus.Pending)));
        Assert.True((await t.App.AdminGetAsync("/admin/v1/ledger/check"))["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_customers_details_and_address_reach_secret_pay_and_cancel_comes_back_with_our_reference()
    {
        await using var t = await funding.StartAsync("sp_customer");
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        var topUpId = await t.StartTopUpAsync(100m, "shurjopay", ("customer_name", "Karim"), ("customer_phone", "01811111111"),
            ("customer_email", "karim@example.test"), ("customer_address", "House 4, Road 2"), ("customer_city", "Chattogram"),
            ("customer_post_code", "4000"), ("client_ip", "103.4.145.2"));

        Assert.Equal(1, await t.SpCallsAsync("secret-pay",
            $"\"cancel_url\":\"https://hub.example.test/payments/shurjopay/cancel?topup={topUpId}\""));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay",
            "\"customer_name\":\"Karim\",\"customer_address\":\"House 4, Road 2\",\"customer_phone\":\"01811111111\",\"customer_city\":\"Chattogram\""));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", "\"customer_post_code\":\"4000\",\"client_ip\":\"103.4.145.2\""));
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", "\"customer_email\":\"karim@example.test\""));
    }

    [Fact]
    public async Task The_cancel_page_verifies_and_shows_what_shurjopay_says()
    {
        var (t, topUpId) = await StartedAsync("sp_cancel_page");
        await using var _ = t;
        await t.StubCheckAsync("verification", topUpId, "1002", message: "Cancel");

        var (status, page) = await t.BrowserGetAsync($"/payments/shurjopay/cancel?topup={topUpId}");
        Assert.Equal(200, status);
        Assert.Contains("Payment cancelled", page);
        Assert.Equal("Cancelled", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(1, await t.SpCallsAsync("verification"));

        // A paid answer arriving later (the customer paid in another tab) still completes it, once.
        await t.StubCheckAsync("verification", topUpId, "1000");
        Assert.Contains("Payment completed", (await t.BrowserGetAsync($"/payments/shurjopay/cancel?topup={topUpId}")).Body);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));

        var (unknown, _) = await t.BrowserGetAsync("/payments/shurjopay/cancel?topup=TUNEVERCREATED00");
        Assert.Equal(404, unknown);
        Assert.Equal(2, await t.SpCallsAsync("verification"));
    }

    [Fact]
    public async Task A_paid_answer_without_a_currency_goes_to_review_without_credit()
    {
        var (t, topUpId) = await StartedAsync("sp_no_currency");
        await using var _ = t;
        var element = FundingHarness.VerificationElement(FundingHarness.SpOrderId(topUpId), topUpId, "1000", "100.0000");
        element.Remove("currency");
        await t.Stub("POST", $"{t.SpBase}/verification", 200, new JsonArray(element));

        Assert.Contains("Payment pending", (await t.BrowserGetAsync(Return(topUpId))).Body);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Review", admin["status"]!.GetValue<string>());
        Assert.Contains("without a currency", admin["review_reason"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("html", 3)]
    [InlineData("timeout", 3)]
    [InlineData("reset", 3)]
    [InlineData("garbage", 1)]
    public async Task Token_request_failures_fail_the_start_cleanly_and_no_payment_is_opened(string failure, int expectedTokenCalls)
    {
        await using var t = await funding.StartAsync("sp_token_" + failure);
        await StubFailureAsync(t, "get_token", failure);
        await t.StubSecretPayAsync();

        var (status, body) = await t.AddFundAsync(100m, "shurjopay");
        Assert.Equal(502, status);
        Assert.Equal("The payment gateway could not start the payment. Try again later.", body["error"]!.GetValue<string>());
        Assert.Equal("Failed", await t.TopUpStatusAsync(body["topup_id"]!.GetValue<string>()));
        // Asking for a token is safe to repeat: transport failures and 5xx were retried; a readable 200 was not.
        Assert.Equal(expectedTokenCalls, await t.SpCallsAsync("get_token"));
        Assert.Equal(0, await t.SpCallsAsync("secret-pay"));
    }

    [Fact]
    public async Task A_token_rejected_during_verification_is_renewed_once_and_the_payment_credited()
    {
        await using var t = await funding.StartAsync("sp_verify_reauth");
        await t.StubTokenAsync("sp-token-old", scenario: "token", newState: "renewed");
        await t.StubTokenAsync("sp-token-new", scenario: "token", requiredState: "renewed");
        await t.StubSecretPayAsync("sp-token-old");
        var topUpId = await t.StartTopUpAsync(100m, "shurjopay");
        await t.Stub("POST", $"{t.SpBase}/verification", 401, new JsonObject { ["message"] = "Unauthenticated." },
            headerEquals: ("Authorization", "Bearer sp-token-old"));
        await t.Stub("POST", $"{t.SpBase}/verification", 200,
            new JsonArray(FundingHarness.VerificationElement(FundingHarness.SpOrderId(topUpId), topUpId, "1000", "100.0000")),
            headerEquals: ("Authorization", "Bearer sp-token-new"));

        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId))).Body);
        Assert.Equal(2, await t.SpCallsAsync("get_token"));
        Assert.Equal(2, await t.SpCallsAsync("verification"));
        Assert.Equal(100m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task Only_the_misspelt_sp_massage_is_enough_to_tell_the_outcome()
    {
        var (t, topUpId) = await StartedAsync("sp_massage");
        await using var _ = t;
        var element = FundingHarness.VerificationElement(FundingHarness.SpOrderId(topUpId), topUpId, 1002, "100.0000", message: "Cancelled by customer");
        element.Remove("sp_message");
        element.Remove("transaction_status");
        await t.Stub("POST", $"{t.SpBase}/verification", 200, new JsonArray(element));

        Assert.Contains("Payment cancelled", (await t.BrowserGetAsync(Return(topUpId))).Body);
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Cancelled", admin["status"]!.GetValue<string>());
        Assert.Equal("1002", admin["gateway_code"]!.GetValue<string>());
        Assert.Equal("Cancelled by customer", admin["gateway_message"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_order_in_an_array_and_an_ipn_posted_as_a_form_are_understood()
    {
        var (t, topUpId) = await StartedAsync("sp_ipn_form");
        await using var _ = t;
        await t.Stub("POST", $"{t.SpBase}/verification", 200,
            new JsonArray(new JsonObject { ["sp_code"] = 1011, ["message"] = "Please check your order id" }));
        Assert.Contains("Payment pending", (await t.BrowserGetAsync(Return(topUpId))).Body);
        Assert.Equal("Pending", (await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>());

        await t.StubCheckAsync("verification", topUpId, "1000");
        using var client = t.App.CreateClient();
        using var ipn = await client.PostAsync("/payments/shurjopay/ipn",
            new FormUrlEncodedContent([new KeyValuePair<string, string>("order_id", FundingHarness.SpOrderId(topUpId))]));
        Assert.Equal(System.Net.HttpStatusCode.OK, ipn.StatusCode);
        Assert.Equal("Completed", JsonNode.Parse(await ipn.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
    }

    private static Task StubFailureAsync(FundingHarness t, string endpoint, string failure) => failure switch
    {
        "html" => t.Stub("POST", $"{t.SpBase}/{endpoint}", 502, null, contentType: "text/html",
            rawBody: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"),
        "timeout" => t.Stub("POST", $"{t.SpBase}/{endpoint}", 200, new JsonArray(), delayMs: FundingHarness.LateReplyMs),
        "reset" => t.Stub("POST", $"{t.SpBase}/{endpoint}", 200, null, fault: WireFault.ConnectionResetByPeer),
        _ => t.Stub("POST", $"{t.SpBase}/{endpoint}", 200, null, rawBody: "[{\"sp_code\": "),
    };
}
