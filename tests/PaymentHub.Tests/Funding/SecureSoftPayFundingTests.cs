using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// SecureSoftPay: the browser's return is never believed. PaymentHub verifies the transaction id server-side, accepts
/// it once, and sends whatever it cannot verify to the operator's review queue. Each harness ends with the ledger check.
/// </summary>
[RunsLong(55)]
public sealed class SecureSoftPayFundingTests(FundingFixture funding) : IClassFixture<FundingFixture>
{
    private const string Checkout = "/api/v1/checkout";
    private const string Verify = "/api/v1/verify";
    private const string Html502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";

    [Fact]
    public async Task Happy_path_checks_out_with_the_bearer_key_verifies_server_side_and_credits_once()
    {
        await using var t = await funding.StartAsync("ssp_happy");
        await t.StubCheckoutAsync();

        var (status, body) = await t.AddFundAsync(100m, "securesoftpay", ("customer_name", "Rahim Store"),
            ("customer_email", "rahim@shop.example.test"), ("return_url", "https://shop.example.test/wallet"));
        Assert.Equal(200, status);
        Assert.True(body["success"]!.GetValue<bool>());
        var topUpId = body["topup_id"]!.GetValue<string>();
        Assert.Equal("https://pay.example.test/checkout?trx_id=a1b2c3", body["payment_url"]!.GetValue<string>());
        Assert.Equal("100.00", body["amount"]!.GetValue<string>());
        Assert.Equal("securesoftpay", body["gateway"]!.GetValue<string>());
        Assert.Equal("Pending", body["status"]!.GetValue<string>());
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));

        // Exactly one checkout, with the API key as a bearer token and our own return and cancel pages.
        var checkout = Assert.Single(await RequestsAsync(t, Checkout));
        Assert.Equal($"Bearer {FundingHarness.SspApiKey}", checkout.Headers["Authorization"]);
        Assert.Equal(100m, checkout.Body["amount"]!.GetValue<decimal>());
        Assert.Equal("https://hub.example.test/api", checkout.Body["client_base_url"]!.GetValue<string>());
        Assert.Equal("Rahim Store", checkout.Body["customer_name"]!.GetValue<string>());
        Assert.Equal("rahim@shop.example.test", checkout.Body["customer_email"]!.GetValue<string>());
        Assert.Equal($"https://hub.example.test/payments/securesoftpay/return?topup={topUpId}", checkout.Body["success_url"]!.GetValue<string>());
        Assert.Equal($"https://hub.example.test/payments/securesoftpay/cancel?topup={topUpId}", checkout.Body["cancel_url"]!.GetValue<string>());
        var meta = JsonNode.Parse(checkout.Body["meta_data"]!.GetValue<string>())!;
        Assert.Equal(topUpId, meta["topup_id"]!.GetValue<string>());
        Assert.Equal(topUpId, meta["order_id"]!.GetValue<string>());
        Assert.Equal(0, await t.SspCallsAsync(Verify));
        Assert.Equal(0m, await t.Shop.BalanceAsync());

        await t.StubVerifyAsync("TRX-8842A", FundingHarness.VerifyReply("TRX-8842A", topUpId, 100m));
        var (pageStatus, page) = await t.BrowserGetAsync(Return(topUpId, "TRX-8842A"));
        Assert.Equal(200, pageStatus);
        Assert.Contains("Payment completed", page);
        Assert.Contains("BDT 100.00", page);
        Assert.Contains(topUpId, page);
        Assert.Contains("TRX-8842A", page);
        Assert.Contains($"https://shop.example.test/wallet?topup_id={topUpId}&amp;status=Completed", page);

        Assert.Equal(100m, await t.Shop.BalanceAsync());
        var (balanceStatus, balance) = await t.Shop.PostFormAsync("/api/wallet.php?action=balance", []);
        Assert.Equal(200, balanceStatus);
        Assert.Equal("100.00", balance["balance"]!.GetValue<string>());
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(1, await t.SspCallsAsync(Verify));
        Assert.Equal(1, await t.SspCallsAsync(Verify, "\"transaction_id\":\"TRX-8842A\""));

        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Completed", admin["status"]!.GetValue<string>());
        Assert.Equal("TRX-8842A", admin["gateway_transaction_id"]!.GetValue<string>());
        Assert.Equal("bkash", admin["payment_method"]!.GetValue<string>());
        Assert.Equal(100m, admin["verified_amount"]!.GetValue<decimal>());
        Assert.NotNull(admin["credit_journal_id"]);

        // No fee configured: clearing pays the wallet, nothing else.
        Assert.Equal([-100m, 100m], await CreditEntryAmountsAsync(t, topUpId));
    }

    [Fact]
    public async Task A_replayed_return_after_completion_credits_nothing_more_and_does_not_ask_the_gateway_again()
    {
        var (t, topUpId) = await StartedAsync("ssp_replay");
        await using var _ = t;
        await t.StubVerifyAsync("TRX-1", FundingHarness.VerifyReply("TRX-1", topUpId, 100m));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId, "TRX-1"))).Body);

        for (var i = 0; i < 3; i++)
        {
            var (status, page) = await t.BrowserGetAsync(Return(topUpId, "TRX-1"));
            Assert.Equal(200, status);
            Assert.Contains("Payment completed", page);
        }
        // Neither another transaction id nor none at all changes a completed top-up.
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId, "TRX-2"))).Body);
        Assert.Contains("Payment completed", (await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={topUpId}")).Body);
        Assert.Contains("Payment completed", (await t.BrowserGetAsync($"/payments/securesoftpay/cancel?topup={topUpId}")).Body);

        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(1, await t.SspCallsAsync(Verify));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task A_forged_return_for_a_top_up_we_never_created_shows_not_found_and_asks_nobody()
    {
        var (t, topUpId) = await StartedAsync("ssp_forged");
        await using var _ = t;
        await t.StubVerifyAsync("TRX-1", FundingHarness.VerifyReply("TRX-1", topUpId, 100m));

        var (status, page) = await t.BrowserGetAsync(Return("TUAAAAAAAAAAAAAA", "TRX-1"));
        Assert.Equal(404, status);
        Assert.Contains("Payment not found", page);
        Assert.Equal(404, (await t.BrowserGetAsync("/payments/securesoftpay/return?transaction_id=TRX-1")).Status);
        Assert.Equal(404, (await t.BrowserGetAsync(Return(new string('A', 40), "TRX-1"))).Status);
        Assert.Equal(404, (await t.BrowserGetAsync("/payments/securesoftpay/cancel?topup=TUAAAAAAAAAAAAAA")).Status);

        // Our own top-up without a transaction id, or with one that is not even well-formed: nothing to verify.
        var (noIdStatus, noIdPage) = await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={topUpId}");
        Assert.Equal(200, noIdStatus);
        Assert.Contains("Payment pending", noIdPage);
        Assert.Contains("The gateway did not confirm a payment.", noIdPage);
        Assert.Contains("Payment pending", (await t.BrowserGetAsync(Return(topUpId, "<script>alert(1)</script>"))).Body);

        Assert.Equal(0, await t.SspCallsAsync(Verify));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        Assert.Null((await t.AdminTopUpAsync(topUpId))["gateway_transaction_id"]);
    }

    [Theory]
    [InlineData("http_404")]
    [InlineData("error_reply")]
    public async Task A_transaction_id_verify_does_not_know_is_not_credited_and_the_real_one_still_completes_the_top_up(string form)
    {
        var (t, topUpId) = await StartedAsync("ssp_unknown_" + form);
        await using var _ = t;
        // A transaction id is one payment's for good: each case of the class's shared gateway pays with its own.
        var realId = "TRX-REAL-" + form.ToUpperInvariant();
        var notFound = new JsonObject { ["status"] = "error", ["message"] = "Transaction not found" };
        await t.StubVerifyAsync("FORGED-123", notFound, status: form == "http_404" ? 404 : 200);

        var (status, page) = await t.BrowserGetAsync(Return(topUpId, "FORGED-123"));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Contains("The gateway does not know this payment.", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        // An answer was received (no retry), and the claim on the unknown id was released.
        Assert.Equal(1, await t.SspCallsAsync(Verify, "FORGED-123"));
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Pending", admin["status"]!.GetValue<string>());
        Assert.Null(admin["gateway_transaction_id"]);

        await t.StubVerifyAsync(realId, FundingHarness.VerifyReply(realId, topUpId, 100m));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId, realId))).Body);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(1, await t.SspCallsAsync(Verify, realId));
    }

    [Theory]
    [InlineData("Invalid API key")]
    [InlineData("Invalid request")]
    public async Task A_verify_error_that_is_not_about_the_transaction_sends_the_top_up_to_review(string message)
    {
        // An error about our own credentials or request says nothing about the payment: verification is not
        // available, so the operator must see it (the spec's review queue), not the customer "unknown payment".
        var (t, topUpId) = await StartedAsync("ssp_verify_err_" + message.Split(' ')[1].ToLowerInvariant());
        await using var _ = t;
        var transactionId = "TRX-OK-" + message.Split(' ')[1].ToUpperInvariant();
        await t.StubVerifyAsync(transactionId, new JsonObject { ["status"] = "error", ["message"] = message });

        var (status, page) = await t.BrowserGetAsync(Return(topUpId, transactionId));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Review", admin["status"]!.GetValue<string>());
        Assert.Equal(transactionId, admin["gateway_transaction_id"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_verified_payment_for_a_different_amount_goes_to_review_without_credit()
    {
        var (t, topUpId) = await StartedAsync("ssp_amount", amount: 500m);
        await using var _ = t;
        // The customer paid 10 BDT (e.g. on another checkout) and came back to the 500 BDT top-up with that id.
        await t.StubVerifyAsync("TRX-10", FundingHarness.VerifyReply("TRX-10", topUpId, 10m));

        var (status, page) = await t.BrowserGetAsync(Return(topUpId, "TRX-10"));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.DoesNotContain("Payment completed", page);

        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Review", admin["status"]!.GetValue<string>());
        Assert.Equal(10m, admin["verified_amount"]!.GetValue<decimal>());
        Assert.Contains("500.00", admin["review_reason"]!.GetValue<string>());
        Assert.Equal(topUpId, Assert.Single(await t.ReviewQueueAsync()));

        // Coming back again does not change the verdict.
        Assert.Contains("Payment pending", (await t.BrowserGetAsync(Return(topUpId, "TRX-10"))).Body);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal("Review", (await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_transaction_id_already_used_by_another_top_up_is_refused_without_asking_the_gateway()
    {
        var (t, first) = await StartedAsync("ssp_reuse");
        await using var _ = t;
        var second = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.StubVerifyAsync("TRX-ONCE", FundingHarness.VerifyReply("TRX-ONCE", first, 100m));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(first, "TRX-ONCE"))).Body);
        Assert.Equal(1, await t.SspCallsAsync(Verify));

        // The same (genuinely paid) transaction id presented for the second top-up of the same amount.
        var (status, page) = await t.BrowserGetAsync(Return(second, "TRX-ONCE"));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Contains("This payment reference was already used.", page);
        Assert.Equal(1, await t.SspCallsAsync(Verify));

        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(first));
        Assert.Equal(0, await t.CreditJournalsAsync(second));
        Assert.Equal("Pending", await t.TopUpStatusAsync(second));
        Assert.Null((await t.AdminTopUpAsync(second))["gateway_transaction_id"]);

        // Once the second top-up holds its own id, a different one is refused for it as well.
        await t.StubVerifyAsync("TRX-TWO", new JsonObject { ["status"] = "success", ["data"] = new JsonObject
        {
            ["transaction_id"] = "TRX-TWO", ["amount"] = "100.00", ["currency"] = "BDT", ["status"] = "PENDING",
        } });
        Assert.Contains("Payment pending", (await t.BrowserGetAsync(Return(second, "TRX-TWO"))).Body);
        Assert.Contains("This top-up is tied to another payment.", (await t.BrowserGetAsync(Return(second, "TRX-OTHER"))).Body);
        Assert.Equal(0, await t.SspCallsAsync(Verify, "TRX-OTHER"));
        Assert.Equal(100m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task One_transaction_id_presented_for_two_top_ups_at_once_is_claimed_by_one_and_credited_at_most_once()
    {
        var (t, first) = await StartedAsync("ssp_race");
        await using var _ = t;
        var second = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.StubVerifyAsync("TRX-RACE", FundingHarness.VerifyReply("TRX-RACE", first, 100m), delayMs: 100);

        var pages = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => t.BrowserGetAsync(Return(i % 2 == 0 ? first : second, "TRX-RACE"))));
        Assert.All(pages, p => Assert.Equal(200, p.Status));

        var holders = await t.App.WithDbAsync(db => db.TopUps.Where(x => x.GatewayTransactionId == "TRX-RACE").Select(x => x.Reference).ToListAsync());
        Assert.Single(holders);
        var credits = await t.CreditJournalsAsync(first) + await t.CreditJournalsAsync(second);
        Assert.True(credits <= 1, $"{credits} credits");
        Assert.Equal(100m * credits, await t.Shop.BalanceAsync());
        // The payment was made for the first top-up: only it can be credited; the second never is.
        Assert.Equal(0, await t.CreditJournalsAsync(second));
        Assert.Equal(holders[0] == first ? 1 : 0, credits);
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("html")]
    [InlineData("timeout")]
    public async Task Unreachable_verification_sends_the_top_up_to_review_and_an_operator_approves_it_exactly_once(string failure)
    {
        var (t, topUpId) = await StartedAsync("ssp_unreach_" + failure);
        await using var _ = t;
        var transactionId = "TRX-9-" + failure.ToUpperInvariant();
        await (failure switch
        {
            "reset" => t.Stub("POST", $"{t.SspBase}{Verify}", 200, null, fault: WireFault.ConnectionResetByPeer),
            "html" => t.Stub("POST", $"{t.SspBase}{Verify}", 502, null, rawBody: Html502, contentType: "text/html"),
            _ => t.Stub("POST", $"{t.SspBase}{Verify}", 200, FundingHarness.VerifyReply(transactionId, topUpId, 100m), delayMs: FundingHarness.LateReplyMs),
        });

        var (status, page) = await t.BrowserGetAsync(Return(topUpId, transactionId));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Contains("We are confirming this payment with the gateway.", page);
        Assert.DoesNotContain("502 Bad Gateway", page);
        // Verification is safe to repeat: the attempt was retried (two retries), then given up.
        Assert.Equal(3, await t.SspCallsAsync(Verify, transactionId));

        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        var review = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Review", review["status"]!.GetValue<string>());
        Assert.Equal(transactionId, review["gateway_transaction_id"]!.GetValue<string>());
        Assert.Contains("could not be verified", review["review_reason"]!.GetValue<string>());
        Assert.Equal(topUpId, Assert.Single(await t.ReviewQueueAsync()));

        var approved = await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/approve", new { note = "Seen as paid in the SecureSoftPay panel" });
        Assert.Equal("Completed", approved["status"]!.GetValue<string>());
        Assert.Equal("Seen as paid in the SecureSoftPay panel", approved["note"]!.GetValue<string>());
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));

        var again = await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/approve", new { note = "twice" }, 409);
        Assert.Equal("Top-up already final", again["title"]!.GetValue<string>());
        // The customer coming back once the gateway answers again changes nothing either.
        await t.StubVerifyAsync(transactionId, FundingHarness.VerifyReply(transactionId, topUpId, 100m));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId, transactionId))).Body);

        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        Assert.Empty(await t.ReviewQueueAsync());
    }

    [Fact]
    public async Task Without_a_verify_path_every_return_waits_for_an_operator_and_the_gateway_is_never_asked()
    {
        var (t, topUpId) = await StartedAsync("ssp_noverify", settings: new Dictionary<string, string?> { ["Connectors:SecureSoftPay:VerifyPath"] = "" });
        await using var _ = t;
        await t.StubVerifyAsync("TRX-5", FundingHarness.VerifyReply("TRX-5", topUpId, 100m));

        var (status, page) = await t.BrowserGetAsync(Return(topUpId, "TRX-5"));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        // The checkout was the only request SecureSoftPay ever saw.
        Assert.Equal(1, t.Mock.Count(r => r.Path.StartsWith($"{t.SspBase}/", StringComparison.Ordinal)));
        Assert.Equal(0, await t.SspCallsAsync(Verify));

        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        var review = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Review", review["status"]!.GetValue<string>());
        Assert.Contains("not configured", review["review_reason"]!.GetValue<string>());
        Assert.Null(review["next_check_at"]);

        // Operator recheck cannot verify either; approval credits once.
        var rechecked = await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/recheck", new { });
        Assert.Equal("Review", rechecked["status"]!.GetValue<string>());
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        await t.App.AdminPostAsync($"/admin/v1/topups/{topUpId}/approve", new { note = "bank statement checked" });
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(0, await t.SspCallsAsync(Verify));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(400)]
    public async Task A_checkout_error_reply_is_a_clear_502_to_the_reseller_fails_the_top_up_and_is_logged(int httpStatus)
    {
        await using var t = await funding.StartAsync("ssp_domain_" + httpStatus);
        const string message = "Domain mismatch. দুঃখিত, সংযোগ স্থাপন করা যায়নি।";
        await t.Stub("POST", $"{t.SspBase}{Checkout}", httpStatus, new JsonObject { ["status"] = "error", ["message"] = message });

        var (status, body) = await t.AddFundAsync(100m, "securesoftpay");
        Assert.Equal(502, status);
        Assert.Null(body["success"]);
        Assert.False(string.IsNullOrWhiteSpace(body["error"]!.GetValue<string>()));
        Assert.Contains(message, body["gateway_message"]!.GetValue<string>());
        Assert.Null(body["payment_url"]);
        var topUpId = body["topup_id"]!.GetValue<string>();
        Assert.Equal("Failed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(1, await t.SspCallsAsync(Checkout));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("Failed", admin["status"]!.GetValue<string>());
        Assert.Contains(message, admin["note"]!.GetValue<string>());

        Assert.Contains(message, t.ReadTestLog());
    }

    [Theory]
    [InlineData("html")]
    [InlineData("timeout")]
    public async Task Checkout_failures_fail_the_top_up_and_the_payment_start_is_never_resent(string failure)
    {
        await using var t = await funding.StartAsync("ssp_start_" + failure);
        await (failure == "html"
            ? t.Stub("POST", $"{t.SspBase}{Checkout}", 502, null, rawBody: Html502, contentType: "text/html")
            : t.Stub("POST", $"{t.SspBase}{Checkout}", 200, new JsonObject { ["status"] = "success", ["payment_url"] = "https://pay.example.test/late" },
                delayMs: FundingHarness.LateReplyMs));

        var (status, body) = await t.AddFundAsync(100m, "securesoftpay");
        Assert.Equal(502, status);
        Assert.Null(body["payment_url"]);
        Assert.DoesNotContain("<html", body.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        var topUpId = body["topup_id"]!.GetValue<string>();
        Assert.Equal("Failed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(1, await t.SspCallsAsync(Checkout));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(0, await t.NewCreditJournalsAsync());
    }

    [Fact]
    public async Task The_cancel_page_cancels_an_unpaid_top_up_without_credit()
    {
        var (t, topUpId) = await StartedAsync("ssp_cancel");
        await using var _ = t;

        var (status, page) = await t.BrowserGetAsync($"/payments/securesoftpay/cancel?topup={topUpId}");
        Assert.Equal(200, status);
        Assert.Contains("Payment cancelled", page);
        Assert.Equal("Cancelled", await t.TopUpStatusAsync(topUpId));
        Assert.Equal("Cancelled", (await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>());
        Assert.Contains("Payment cancelled", (await t.BrowserGetAsync($"/payments/securesoftpay/cancel?topup={topUpId}")).Body);

        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal(0, await t.SspCallsAsync(Verify));
    }

    [Fact]
    public async Task The_operators_gateway_fee_is_booked_as_a_separate_entry()
    {
        var (t, topUpId) = await StartedAsync("ssp_fee", amount: 200m);
        await using var _ = t;
        await t.SetGatewayFeeAsync("securesoftpay", 1.5m);
        await t.StubVerifyAsync("TRX-FEE", FundingHarness.VerifyReply("TRX-FEE", topUpId, 200m));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUpId, "TRX-FEE"))).Body);

        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        await t.AssertFeeBookedSeparatelyAsync(topUpId);
    }

    // ---- helpers ----

    private static string Return(string topUpId, string transactionId) =>
        $"/payments/securesoftpay/return?topup={Uri.EscapeDataString(topUpId)}&transaction_id={Uri.EscapeDataString(transactionId)}";

    private async Task<(FundingHarness Harness, string TopUpId)> StartedAsync(string name, decimal amount = 100m,
        IDictionary<string, string?>? settings = null)
    {
        var t = await funding.StartAsync(name, settings);
        await t.StubCheckoutAsync();
        return (t, await t.StartTopUpAsync(amount, "securesoftpay"));
    }

    private static Task<List<decimal>> CreditEntryAmountsAsync(FundingHarness t, string topUpId) =>
        t.App.WithDbAsync(db => db.LedgerJournals.Where(j => j.Kind == JournalKind.TopUpCredit && j.Reference == topUpId)
            .SelectMany(j => j.Entries).Select(e => e.Amount).OrderBy(a => a).ToListAsync());

    /// <summary>The requests WireMock received at one SecureSoftPay path of this test: parsed JSON body and headers.</summary>
    private static Task<List<(JsonObject Body, IReadOnlyDictionary<string, string> Headers)>> RequestsAsync(FundingHarness t, string path) =>
        Task.FromResult(t.Mock.Requests.Where(r => r.Method == "POST" && r.PathAndQuery == $"{t.SspBase}{path}")
            .Select(r => (JsonNode.Parse(r.Body)!.AsObject(), r.Headers)).ToList());
}
