using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Funding;
using PaymentHub.Tests.Infrastructure;
using PaymentHub.Tests.Webhooks;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// The Development-only sandbox gateway: add_fund hands out PaymentHub's own checkout page, whose Pay / Fail / Cancel go
/// through the same settlement as a real gateway's verified answer, once per top-up; nowhere else does it exist.
/// </summary>
public sealed class SandboxFundingTests(FundingFixture funding) : IClassFixture<FundingFixture>
{
    private const string CheckoutUrl = FundingHarness.PublicBaseUrl + "/payments/sandbox/checkout?token=";

    private Task<FundingHarness> StartAsync(string name, string environment = "Development") => funding.StartAsync(name, Settings(environment));

    private static Dictionary<string, string?> Settings(string environment) => new()
    {
        ["environment"] = environment,
        ["Webhooks:SenderEnabled"] = "false",
        ["Webhooks:AllowLocalEndpoints"] = "true",
    };

    /// <summary>Starts a sandbox top-up; returns its id and the token of its checkout link.</summary>
    private static async Task<(string TopUpId, string Token)> StartSandboxAsync(FundingHarness t, decimal amount, params (string Key, string Value)[] extra)
    {
        var (status, body) = await t.AddFundAsync(amount, "sandbox", extra);
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("Pending", body["status"]!.GetValue<string>());
        Assert.Equal("sandbox", body["gateway"]!.GetValue<string>());
        var paymentUrl = body["payment_url"]!.GetValue<string>();
        Assert.StartsWith(CheckoutUrl, paymentUrl);
        var token = HttpUtility.ParseQueryString(new Uri(paymentUrl).Query)["token"];
        Assert.False(string.IsNullOrEmpty(token));
        return (body["topup_id"]!.GetValue<string>(), token);
    }

    private static Task<(int Status, string Body)> PageAsync(FundingHarness t, string token) => PageAsync(t.App, token);

    private static Task<(int Status, string Body)> PageAsync(PaymentHubApp app, string token) =>
        FundingHarness.BrowserGetAsync(app, "/payments/sandbox/checkout?token=" + Uri.EscapeDataString(token));

    /// <summary>A press of one of the page's buttons, as the browser posts the form (redirects not followed).</summary>
    private static async Task<(int Status, string Body, Uri? Location)> PressAsync(PaymentHubApp app, string? token, string action)
    {
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var fields = new List<KeyValuePair<string, string>> { new("action", action) };
        if (token is not null)
        {
            fields.Add(new("token", token));
        }
        using var response = await client.PostAsync("/payments/sandbox/checkout", new FormUrlEncodedContent(fields));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location);
    }

    private static Task<(int Status, string Body, Uri? Location)> PressAsync(FundingHarness t, string? token, string action) =>
        PressAsync(t.App, token, action);

    private static Task<int> DeliveriesAsync(FundingHarness t, string type, string topUpId) => t.App.WithDbAsync(db =>
        db.WebhookDeliveries.CountAsync(d => d.EventType == type && d.OrderKey == topUpId));

    private static Task<TopUp> TopUpAsync(FundingHarness t, string topUpId) => t.App.WithDbAsync(db =>
        db.TopUps.AsNoTracking().SingleAsync(x => x.Reference == topUpId));

    [Fact]
    public async Task Pay_on_the_checkout_page_credits_the_wallet_once_through_the_settlement()
    {
        await using var t = await StartAsync("sandbox_pay");
        await t.App.CreateEndpointAsync(t.Shop.Id, "http://127.0.0.1:9/hook", "topup.completed", "wallet.credited");
        var (topUpId, token) = await StartSandboxAsync(t, 150m);

        var (pageStatus, page) = await PageAsync(t, token);
        Assert.Equal(200, pageStatus);
        Assert.Contains("Sandbox \u2014 no real money", page);
        Assert.Contains("<dd id=\"amount\">BDT 150.00</dd>", page);
        Assert.Contains($"<dd id=\"reference\">{topUpId}</dd>", page);
        Assert.Contains("<dd id=\"reseller\">Test Shop</dd>", page);
        foreach (var action in new[] { "pay", "fail", "cancel" })
        {
            Assert.Contains($"name=\"action\" value=\"{action}\"", page);
        }
        Assert.Contains($"name=\"token\" value=\"{token}\"", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());

        var (status, result, location) = await PressAsync(t, token, "pay");
        Assert.True(status == 200, result);
        Assert.Null(location);
        Assert.Contains("Payment completed", result);
        Assert.Equal(150m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        var admin = await t.AdminTopUpAsync(topUpId);
        Assert.Equal("sandbox", admin["gateway"]!.GetValue<string>());
        Assert.StartsWith("SBX", admin["gateway_transaction_id"]!.GetValue<string>());
        Assert.Equal(150m, admin["verified_amount"]!.GetValue<decimal>());
        Assert.Equal(0m, admin["fee"]!.GetValue<decimal>());
        var entries = await t.CreditEntriesAsync(topUpId);
        Assert.Equal(150m, entries.Single(e => e.Kind == PaymentHub.Ledger.LedgerAccountKind.ResellerWallet).Amount);
        Assert.Equal(0m, entries.Sum(e => e.Amount));

        // The same token again, with any button: nothing changes.
        foreach (var action in new[] { "pay", "fail", "cancel" })
        {
            var (again, againBody, _) = await PressAsync(t, token, action);
            Assert.True(again == 409, $"{action}: {again} {againBody}");
        }
        var (revisit, revisitPage) = await PageAsync(t, token);
        Assert.Equal(200, revisit);
        Assert.Contains("Payment completed", revisitPage);
        Assert.DoesNotContain("value=\"pay\"", revisitPage);

        Assert.Equal(150m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(1, await DeliveriesAsync(t, "topup.completed", topUpId));
        Assert.Equal(1, await DeliveriesAsync(t, "wallet.credited", topUpId));
    }

    [Fact]
    public async Task Racing_pay_presses_credit_once_and_the_browser_goes_back_to_the_return_url()
    {
        await using var t = await StartAsync("sandbox_race");
        var (topUpId, token) = await StartSandboxAsync(t, 200m, ("return_url", "https://shop.example.test/back?order=7"));

        var presses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PressAsync(t, token, "pay")));

        var winners = presses.Where(p => p.Status == 302).ToList();
        var winner = Assert.Single(winners);
        Assert.All(presses.Except(winners), p => Assert.True(p.Status == 409, $"{p.Status} {p.Body}"));
        Assert.Equal(new Uri($"https://shop.example.test/back?order=7&topup_id={topUpId}&status=Completed"), winner.Location);
        Assert.Equal(200m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task Fail_and_cancel_credit_nothing_and_their_token_cannot_pay_afterwards()
    {
        await using var t = await StartAsync("sandbox_fail_cancel");
        await t.App.CreateEndpointAsync(t.Shop.Id, "http://127.0.0.1:9/hook", "topup.failed");

        foreach (var (action, reseller, headline) in new[] { ("fail", "Failed", "Payment failed"), ("cancel", "Cancelled", "Payment cancelled") })
        {
            var (topUpId, token) = await StartSandboxAsync(t, 120m);
            var (status, body, _) = await PressAsync(t, token, action);
            Assert.True(status == 200, body);
            Assert.Contains(headline, body);
            Assert.Equal(reseller, await t.TopUpStatusAsync(topUpId));
            Assert.Equal(reseller, (await TopUpAsync(t, topUpId)).Status.ToString());

            var (payAfter, payBody, _) = await PressAsync(t, token, "pay");
            Assert.True(payAfter == 409, payBody);
            Assert.Equal(reseller, await t.TopUpStatusAsync(topUpId));
            Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
            Assert.Equal(1, await DeliveriesAsync(t, "topup.failed", topUpId));
        }
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task A_checkout_link_handed_out_by_one_instance_works_on_another_and_credits_once()
    {
        // Another app server behind the load balancer, or this one after a restart: the link's key lives in the database.
        await using var t = await StartAsync("sandbox_instances");
        var (topUpId, token) = await StartSandboxAsync(t, 120m);
        await using var second = await t.StartSecondInstanceAsync();

        var (pageStatus, page) = await PageAsync(second, token);
        Assert.True(pageStatus == 200, page);
        Assert.Contains("<dd id=\"amount\">BDT 120.00</dd>", page);
        var (status, result, _) = await PressAsync(second, token, "pay");
        Assert.True(status == 200, result);
        Assert.Contains("Payment completed", result);

        var (again, againBody, _) = await PressAsync(t, token, "pay");
        Assert.True(again == 409, $"{again} {againBody}");
        Assert.Equal(120m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task Forged_tampered_and_expired_tokens_are_refused_and_change_nothing()
    {
        // A world of its own: the watcher's pass below counts every top-up past its lifetime, and on the class's gateway the
        // earlier tests' pending ones are (its clock moves a day on for each test).
        await using var t = await FundingHarness.StartAsync("sandbox_tokens", Settings("Development"));
        var (topUpId, token) = await StartSandboxAsync(t, 150m);
        var parts = token.Split('.');
        Assert.Equal(5, parts.Length);
        var mac = parts[4];
        var forged = new[]
        {
            "", "x", token + "\n", token + "x", "\u00a0" + token, token.ToLowerInvariant(),
            token.Replace(".150.00.", ".999.00.", StringComparison.Ordinal),
            token.Replace(".150.00.", ".15.00.", StringComparison.Ordinal),
            string.Join('.', parts[0], parts[1], parts[2], (long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture) + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture), mac),
            string.Join('.', parts[..4]) + "." + (mac[0] == 'A' ? 'B' : 'A') + mac[1..],
            string.Join('.', "TUAAAAAAAAAAAAAA", parts[1], parts[2], parts[3], mac),
            string.Join('.', parts[..4]) + "." + new string('A', 43),
        };
        foreach (var bad in forged)
        {
            var (pageStatus, _) = await PageAsync(t, bad);
            Assert.True(pageStatus == 404, $"GET {bad}: {pageStatus}");
            // The form reader refuses control characters in any field before the token is looked at.
            var (status, body, _) = await PressAsync(t, bad, "pay");
            Assert.True(status == (bad.Any(char.IsControl) ? 422 : 404), $"POST {bad}: {status} {body}");
        }
        var (noToken, _, _) = await PressAsync(t, null, "pay");
        Assert.Equal(404, noToken);
        foreach (var action in new[] { "", "PAY", "Pay", "refund", "pay\n", "pay\u00a0", "pay,fail" })
        {
            var (status, body, _) = await PressAsync(t, token, action);
            Assert.True(status == (action.Any(char.IsControl) ? 422 : 400), $"action {action}: {status} {body}");
        }
        var untouched = await TopUpAsync(t, topUpId);
        Assert.Equal(TopUpStatus.Pending, untouched.Status);
        Assert.Null(untouched.GatewayTransactionId);

        // Past the top-up's lifetime the token has expired with it, and the watcher (with no gateway to ask) expires the top-up.
        t.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(410, (await PageAsync(t, token)).Status);
        Assert.Equal(410, (await PressAsync(t, token, "pay")).Status);
        Assert.Null((await TopUpAsync(t, topUpId)).GatewayTransactionId);
        Assert.Equal(1, await t.App.Services.GetRequiredService<TopUpWatcher>().RunOnceAsync(CancellationToken.None));
        Assert.Equal(TopUpStatus.Expired, (await TopUpAsync(t, topUpId)).Status);
        Assert.Equal(410, (await PressAsync(t, token, "pay")).Status);

        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Failed", await t.TopUpStatusAsync(topUpId));
    }

    [Fact]
    public async Task In_development_the_sandbox_is_offered_with_editable_limits()
    {
        await using var t = await StartAsync("sandbox_dev_admin");

        var (unknownStatus, unknown) = await t.AddFundAsync(100m, "paypal");
        Assert.Equal(422, unknownStatus);
        Assert.Equal(["shurjopay", "securesoftpay", "sandbox"], unknown["allowed_gateway"]!.AsArray().Select(g => g!.GetValue<string>()));

        var sandbox = (await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray().Single(g => g!["gateway"]!.GetValue<string>() == "sandbox")!;
        Assert.True(sandbox["is_enabled"]!.GetValue<bool>());
        Assert.True(sandbox["is_configured"]!.GetValue<bool>());
        Assert.Equal(10m, sandbox["min_amount"]!.GetValue<decimal>());
        Assert.Equal(100000m, sandbox["max_amount"]!.GetValue<decimal>());

        using var admin = t.App.Admin();
        using var put = await admin.PutAsJsonAsync("/admin/v1/funding-gateways/sandbox",
            new { is_enabled = true, min_amount = 20m, max_amount = 500m, fee_percent = 0m, fee_fixed = 0m });
        Assert.Equal(200, (int)put.StatusCode);
        var (low, lowBody) = await t.AddFundAsync(15m, "sandbox");
        Assert.Equal(422, low);
        Assert.Equal("20.00", lowBody["min_amount"]!.GetValue<string>());

        using var off = await admin.PutAsJsonAsync("/admin/v1/funding-gateways/sandbox",
            new { is_enabled = false, min_amount = 20m, max_amount = 500m, fee_percent = 0m, fee_fixed = 0m });
        Assert.Equal(200, (int)off.StatusCode);
        var (disabled, disabledBody) = await t.AddFundAsync(100m, "sandbox");
        Assert.Equal(422, disabled);
        Assert.Equal("""{"error":"This payment gateway is not available."}""", disabledBody.ToJsonString());
        Assert.Equal(0, await t.NewTopUpsAsync());
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Testing")]
    public async Task Outside_development_the_sandbox_does_not_exist(string environment)
    {
        await using var t = await StartAsync("sandbox_absent_" + environment.ToLowerInvariant(), environment);

        // Even a sandbox row left behind by a Development run on this database offers nothing.
        await t.App.WithDbAsync(async db =>
        {
            db.FundingGateways.Add(new FundingGatewaySettings
            {
                Gateway = FundingGateway.Sandbox, IsEnabled = true, MinAmount = 10m, MaxAmount = 100000m, UpdatedAt = DateTime.UtcNow,
            });
            return await db.SaveChangesAsync();
        });

        var (status, body) = await t.AddFundAsync(100m, "sandbox");
        Assert.Equal(422, status);
        Assert.Equal("""{"error":"This payment gateway is not available."}""", body.ToJsonString());
        using (var admin = t.App.Admin())
        {
            using var disable = await admin.PutAsJsonAsync("/admin/v1/funding-gateways/securesoftpay",
                new { is_enabled = false, min_amount = 10m, max_amount = 100000m, fee_percent = 0m, fee_fixed = 0m });
            Assert.Equal(200, (int)disable.StatusCode);
        }
        var (offStatus, offBody) = await t.AddFundAsync(100m, "securesoftpay");
        Assert.Equal((offStatus, offBody.ToJsonString()), (status, body.ToJsonString()));

        var (unknownStatus, unknown) = await t.AddFundAsync(100m, "paypal");
        Assert.Equal(422, unknownStatus);
        Assert.Equal(["shurjopay", "securesoftpay"], unknown["allowed_gateway"]!.AsArray().Select(g => g!.GetValue<string>()));

        Assert.Equal(404, (await t.BrowserGetAsync("/payments/sandbox/checkout?token=x")).Status);
        Assert.Equal(404, (await t.BrowserGetAsync("/payments/sandbox/checkout")).Status);
        Assert.Equal(404, (await PressAsync(t, "x", "pay")).Status);

        var gateways = (await t.App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray();
        Assert.DoesNotContain(gateways, g => g!["gateway"]!.GetValue<string>() == "sandbox");
        using (var admin = t.App.Admin())
        {
            using var enable = await admin.PutAsJsonAsync("/admin/v1/funding-gateways/sandbox",
                new { is_enabled = true, min_amount = 10m, max_amount = 100000m, fee_percent = 0m, fee_fixed = 0m });
            Assert.Equal(404, (int)enable.StatusCode);
            using var start = await admin.PostAsJsonAsync($"/admin/v1/resellers/{t.Shop.Id}/topups", new { amount = 100m, gateway = "sandbox" });
            Assert.Equal(422, (int)start.StatusCode);
        }
        Assert.Equal(0, await t.NewTopUpsAsync());
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }
}
