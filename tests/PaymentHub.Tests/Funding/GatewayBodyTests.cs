using System.Text.Json.Nodes;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// A gateway's verification reply that cannot be read (a charset nobody knows) is "no answer": the top-up is not
/// credited, nothing throws, and a later readable answer still completes it exactly once.
/// </summary>
public sealed class GatewayBodyTests(FundingFixture funding) : IClassFixture<FundingFixture>
{
    private const string BogusJson = "application/json; charset=bogus-xx";

    [Fact]
    public async Task A_shurjopay_verification_with_a_bogus_charset_leaves_the_top_up_pending_and_uncredited()
    {
        await using var t = await funding.StartAsync("sp_verify_bogus_charset");
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        var topUpId = await t.StartTopUpAsync(100m, "shurjopay");
        var spOrderId = FundingHarness.SpOrderId(topUpId);
        var paid = new JsonArray(FundingHarness.VerificationElement(spOrderId, topUpId, "1000", "100.0000"));
        await t.Stub("POST", $"{t.SpBase}/verification", 200, null, rawBody: paid.ToJsonString(), contentType: BogusJson);

        var (status, page) = await t.BrowserGetAsync($"/payments/shurjopay/return?order_id={spOrderId}");
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Equal("Pending", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        // A readable HTTP 200 is not retried by the pipeline.
        Assert.Equal(1, await t.SpCallsAsync("verification"));
        Assert.Contains("unsupported charset 'bogus-xx'", t.ReadTestLog());

        await t.StubCheckAsync("verification", topUpId, "1000");
        Assert.Equal(200, (await t.BrowserGetAsync($"/payments/shurjopay/ipn?order_id={spOrderId}")).Status);
        Assert.Equal("Completed", await t.TopUpStatusAsync(topUpId));
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(topUpId));
    }

    [Fact]
    public async Task A_securesoftpay_verification_with_a_bogus_charset_sends_the_top_up_to_review_uncredited()
    {
        await using var t = await funding.StartAsync("ssp_verify_bogus_charset");
        await t.StubCheckoutAsync();
        var topUpId = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.Stub("POST", $"{t.SspBase}/api/v1/verify", 200, null,
            rawBody: FundingHarness.VerifyReply("TRX-77", topUpId, 100m).ToJsonString(), contentType: BogusJson);

        var (status, page) = await t.BrowserGetAsync($"/payments/securesoftpay/return?topup={topUpId}&transaction_id=TRX-77");
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUpId));
        Assert.Equal("Review", (await t.AdminTopUpAsync(topUpId))["status"]!.GetValue<string>());
        Assert.Equal(1, await t.SspCallsAsync("/api/v1/verify", "TRX-77"));
    }
}
