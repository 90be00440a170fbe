using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PaymentHub.Tests.Infrastructure;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using Xunit.Abstractions;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// The pages a paying customer sees, in a real headless Chromium: the browser opens the payment_url the reseller got,
/// the fake gateway's checkout page sends it back to PaymentHub exactly as the real one would, and the page PaymentHub
/// shows must tell the verified outcome, the amount and the reference, and lead back to the reseller's shop.
/// </summary>
[RunsLong(37)]
public sealed class PaymentPageBrowserTests(ITestOutputHelper output, FundingFixture funding) : IClassFixture<FundingFixture>
{
    [Theory]
    [InlineData("1000", "Completed", "Payment completed", 100)]
    [InlineData("1068", "Pending", "Payment pending", 0)]
    [InlineData("1001", "Failed", "Payment failed", 0)]
    [InlineData("1002", "Cancelled", "Payment cancelled", 0)]
    public async Task A_shurjopay_customer_lands_on_a_page_with_the_verified_outcome_and_a_link_back_to_the_shop(
        string spCode, string status, string headline, int credited)
    {
        await using var t = await funding.StartAsync("page_sp_" + spCode, kestrel: true);
        await t.StubTokenAsync();
        await t.StubSecretPayAsync(checkoutUrl: $"{t.Mock.BaseUrl}/sp/checkout-page?token=abc");
        var shopPage = await StubShopPageAsync(t);

        var (replyStatus, reply) = await t.AddFundAsync(100m, "shurjopay", ("return_url", $"{shopPage}?from=hub"));
        Assert.True(replyStatus == 200, reply.ToJsonString());
        var topUpId = reply["topup_id"]!.GetValue<string>();
        var spOrderId = FundingHarness.SpOrderId(topUpId);
        // shurjoPay was told to send the browser back to this very gateway (the request's own host).
        var ourReturn = new Uri(t.App.ServerAddress, "/payments/shurjopay/return").AbsoluteUri;
        Assert.Equal(1, await t.SpCallsAsync("secret-pay", $"\"return_url\":\"{ourReturn}\""));
        await StubRedirectAsync(t, "/sp/checkout-page", $"{ourReturn}?order_id={spOrderId}");
        await t.StubCheckAsync("verification", topUpId, spCode, "100.0000", message: headline);

        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.OpenAsync(reply["payment_url"]!.GetValue<string>());

        Assert.StartsWith(ourReturn, page.Url, StringComparison.Ordinal);
        await AssertOutcomePageAsync(page, headline, status, topUpId, spOrderId);
        await browser.ScreenshotAsync(page, $"topup-shurjopay-{status.ToLowerInvariant()}", output);
        Assert.Equal(1, await t.SpCallsAsync("verification"));
        Assert.Equal(credited, await t.Shop.BalanceAsync());
        Assert.Equal(credited > 0 ? 1 : 0, await t.CreditJournalsAsync(topUpId));

        await page.ClickAsync("#back");
        await ShopPageReachedAsync(page, $"{shopPage}?from=hub&topup_id={topUpId}&status={status}");
        Assert.Equal("Rahim Store wallet", await page.InnerTextAsync("#shop"));
    }

    [Fact]
    public async Task A_securesoftpay_customer_lands_on_the_completed_page_only_after_server_side_verification()
    {
        await using var t = await funding.StartAsync("page_ssp", kestrel: true);
        await t.Stub("POST", $"{t.SspBase}/api/v1/checkout", 200, new JsonObject
        {
            ["status"] = "success",
            ["payment_url"] = $"{t.Mock.BaseUrl}/ssp/checkout-page?trx_id=a1b2c3",
        }, headerEquals: ("Authorization", $"Bearer {FundingHarness.SspApiKey}"));
        var shopPage = await StubShopPageAsync(t);

        var (replyStatus, reply) = await t.AddFundAsync(250m, "securesoftpay", ("return_url", shopPage));
        Assert.True(replyStatus == 200, reply.ToJsonString());
        var topUpId = reply["topup_id"]!.GetValue<string>();
        var successUrl = new Uri(t.App.ServerAddress, $"/payments/securesoftpay/return?topup={topUpId}").AbsoluteUri;
        Assert.Equal(1, await t.SspCallsAsync("/api/v1/checkout", $"\"success_url\":\"{successUrl}\""));
        await StubRedirectAsync(t, "/ssp/checkout-page", $"{successUrl}&transaction_id=TRXBROWSER1");
        await t.StubVerifyAsync("TRXBROWSER1", FundingHarness.VerifyReply("TRXBROWSER1", topUpId, 250m));

        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.OpenAsync(reply["payment_url"]!.GetValue<string>());

        Assert.StartsWith(successUrl, page.Url, StringComparison.Ordinal);
        await AssertOutcomePageAsync(page, "Payment completed", "Completed", topUpId, "TRXBROWSER1", amount: "BDT 250.00");
        await browser.ScreenshotAsync(page, "topup-securesoftpay-completed", output);
        Assert.Equal(1, await t.SspCallsAsync("/api/v1/verify", "TRXBROWSER1"));
        Assert.Equal(250m, await t.Shop.BalanceAsync());

        // Reloading the page (the customer presses F5) shows the same outcome and credits nothing more.
        await page.ReloadAsync();
        Assert.Equal("Completed", await page.InnerTextAsync("#status"));
        Assert.Equal(250m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));

        await page.ClickAsync("#back");
        await ShopPageReachedAsync(page, $"{shopPage}?topup_id={topUpId}&status=Completed");
    }

    [Fact]
    public async Task A_return_for_an_order_we_never_created_shows_not_found_without_a_link_or_a_credit()
    {
        await using var t = await funding.StartAsync("page_forged", kestrel: true);

        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.OpenAsync(new Uri(t.App.ServerAddress, "/payments/shurjopay/return?order_id=spTUFORGED0000000"), expectedStatus: 404);

        Assert.Equal("Payment not found", await page.InnerTextAsync("#headline"));
        Assert.Equal(0, await page.Locator("#back").CountAsync());
        await browser.ScreenshotAsync(page, "topup-not-found", output);
        Assert.Equal(0, await t.SpCallsAsync("verification"));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task A_sandbox_customer_pays_on_our_own_checkout_page_and_goes_back_to_the_shop()
    {
        await using var t = await funding.StartAsync("page_sandbox_pay", kestrel: true);
        var shopPage = await StubShopPageAsync(t);

        var (replyStatus, reply) = await t.AddFundAsync(300m, "sandbox", ("return_url", shopPage));
        Assert.True(replyStatus == 200, reply.ToJsonString());
        var topUpId = reply["topup_id"]!.GetValue<string>();
        var checkout = new Uri(t.App.ServerAddress, "/payments/sandbox/checkout?token=").AbsoluteUri;
        Assert.StartsWith(checkout, reply["payment_url"]!.GetValue<string>(), StringComparison.Ordinal);

        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.OpenAsync(reply["payment_url"]!.GetValue<string>());
        Assert.Equal("Sandbox checkout - PaymentHub", await page.TitleAsync());
        Assert.Contains("Sandbox \u2014 no real money", await page.InnerTextAsync("#sandbox"));
        Assert.Equal("BDT 300.00", await page.InnerTextAsync("#amount"));
        Assert.Equal(topUpId, await page.InnerTextAsync("#reference"));
        Assert.Equal("Test Shop", await page.InnerTextAsync("#reseller"));
        await browser.ScreenshotAsync(page, "topup-sandbox-checkout", output);
        Assert.Equal(0m, await t.Shop.BalanceAsync());

        await page.ClickAsync("#pay");
        await ShopPageReachedAsync(page, $"{shopPage}?topup_id={topUpId}&status=Completed");
        Assert.Equal("Rahim Store wallet", await page.InnerTextAsync("#shop"));
        Assert.Equal(300m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));

        // Back to the checkout page: it shows the outcome and offers no button any more.
        await page.GoBackAsync();
        Assert.Equal("Completed", await page.InnerTextAsync("#status"));
        Assert.Equal(0, await page.Locator("#pay").CountAsync());
        Assert.Equal(300m, await t.Shop.BalanceAsync());
    }

    [Fact]
    public async Task A_sandbox_customer_who_cancels_sees_the_cancelled_page_and_nothing_is_credited()
    {
        await using var t = await funding.StartAsync("page_sandbox_cancel", kestrel: true);
        var (replyStatus, reply) = await t.AddFundAsync(80m, "sandbox");
        Assert.True(replyStatus == 200, reply.ToJsonString());
        var topUpId = reply["topup_id"]!.GetValue<string>();

        await using var browser = await HeadlessBrowser.LaunchAsync();
        var page = await browser.OpenAsync(reply["payment_url"]!.GetValue<string>());
        await page.ClickAsync("#cancel");
        await page.WaitForSelectorAsync("#status");

        Assert.Equal("Payment cancelled", await page.InnerTextAsync("#headline"));
        Assert.Equal("Cancelled", await page.InnerTextAsync("#status"));
        Assert.Equal(topUpId, await page.InnerTextAsync("#reference"));
        Assert.Equal(0, await page.Locator("#back").CountAsync());
        await browser.ScreenshotAsync(page, "topup-sandbox-cancelled", output);
        Assert.Equal("Cancelled", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
    }

    /// <summary>
    /// The browser went to the shop's page (WireMock's, not ours). Playwright's URL assertion polls the address only;
    /// <c>WaitForURLAsync</c> also waits for that page's load state and twice timed out after the address had matched.
    /// </summary>
    private static Task ShopPageReachedAsync(IPage page, string url) =>
        Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = 30_000 });

    private static async Task AssertOutcomePageAsync(IPage page, string headline, string status, string topUpId, string gatewayReference,
        string amount = "BDT 100.00")
    {
        Assert.Equal($"{headline} - PaymentHub", await page.TitleAsync());
        Assert.Equal(headline, await page.InnerTextAsync("#headline"));
        Assert.Equal(status, await page.InnerTextAsync("#status"));
        Assert.Equal(amount, await page.InnerTextAsync("#amount"));
        Assert.Equal(topUpId, await page.InnerTextAsync("#reference"));
        Assert.Equal(gatewayReference, await page.InnerTextAsync("#gateway-reference"));
        Assert.True(await page.Locator("#back").IsVisibleAsync(), "The link back to the reseller's shop is not visible.");
    }

    /// <summary>The reseller's own page the customer goes back to (the <c>return_url</c> given to add_fund).</summary>
    private static async Task<string> StubShopPageAsync(FundingHarness t)
    {
        await t.Stub("GET", $"/{t.Mock.Prefix}/shop/wallet", 200, null, contentType: "text/html; charset=utf-8",
            rawBody: "<!DOCTYPE html><html><head><title>Rahim Store</title></head><body><h1 id=\"shop\">Rahim Store wallet</h1></body></html>");
        return $"{t.Mock.BaseUrl}/shop/wallet";
    }

    /// <summary>The fake gateway's checkout page: the customer "pays" and is sent on to <paramref name="location"/>.</summary>
    private static Task StubRedirectAsync(FundingHarness t, string path, string location)
    {
        t.Mock.Given(Request.Create().UsingGet().WithPath(new ExactMatcher($"/{t.Mock.Prefix}{path}")))
            .RespondWith(Response.Create().WithStatusCode(302).WithHeader("Location", location));
        return Task.CompletedTask;
    }
}
