using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// One gateway payment credits one top-up, however its id is spelled. The fake SecureSoftPay here behaves like the PHP/MySQL
/// scripts behind such gateways: its verify endpoint finds a payment whatever the case of the id or a trailing newline, and
/// answers without echoing the id. Before ids were checked with \z and kept in one canonical form, "TX123\n" and "tx123" each
/// credited a second top-up for the one payment "TX123".
/// </summary>
public sealed class GatewayPaymentIdTests(FundingFixture funding) : IClassFixture<FundingFixture>
{
    private const string Verify = "/api/v1/verify";

    [Theory]
    [InlineData("TX123\n")]
    [InlineData("tx123")]
    [InlineData("Tx123")]
    public async Task A_paid_transaction_id_presented_again_in_another_spelling_credits_nothing_more(string respelled)
    {
        // A world of its own: both cases pay TX123 first, which a shared database would already hold from the other case.
        await using var t = await FundingHarness.StartAsync("ssp_respelled");
        await t.StubCheckoutAsync();
        var first = await t.StartTopUpAsync(100m, "securesoftpay");
        var second = await t.StartTopUpAsync(100m, "securesoftpay");
        // The careless gateway: any id it can match loosely is "paid", and the reply names neither the id nor our top-up.
        await t.Stub("POST", $"{t.SspBase}{Verify}", 200, new JsonObject
        {
            ["status"] = "success",
            ["data"] = new JsonObject { ["amount"] = "100.00", ["currency"] = "BDT", ["status"] = "COMPLETED" },
        });
        // For the exact id it gives its full answer (added last, so WireMock prefers it).
        await t.StubVerifyAsync("TX123", FundingHarness.VerifyReply("TX123", first, 100m));

        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(first, "TX123"))).Body);
        Assert.Equal(100m, await t.Shop.BalanceAsync());

        var (status, page) = await t.BrowserGetAsync(Return(second, respelled));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.CreditJournalsAsync(first));
        Assert.Equal(0, await t.CreditJournalsAsync(second));
        Assert.Equal("Pending", await t.TopUpStatusAsync(second));
        Assert.Null((await t.AdminTopUpAsync(second))["gateway_transaction_id"]);
        // The respelled id never reached the gateway: it was refused as malformed or as the payment already claimed.
        Assert.Equal(1, await t.SspCallsAsync(Verify));
        Assert.True((await t.App.AdminGetAsync("/admin/v1/ledger/check"))["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_transaction_id_is_stored_in_canonical_form_and_sent_to_the_gateway_so()
    {
        await using var t = await funding.StartAsync("ssp_canonical");
        await t.StubCheckoutAsync();
        var topUp = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.StubVerifyAsync("TRX-77AB", FundingHarness.VerifyReply("trx-77ab", topUp, 100m));

        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(topUp, "trx-77ab"))).Body);
        Assert.Equal(100m, await t.Shop.BalanceAsync());
        Assert.Equal("TRX-77AB", (await t.AdminTopUpAsync(topUp))["gateway_transaction_id"]!.GetValue<string>());
        Assert.Equal(1, await t.SspCallsAsync(Verify, "\"transaction_id\":\"TRX-77AB\""));
    }

    [Fact]
    public async Task A_paid_verification_that_does_not_name_the_transaction_credits_nothing_and_goes_to_review()
    {
        await using var t = await funding.StartAsync("ssp_unnamed");
        await t.StubCheckoutAsync();
        var topUp = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.StubVerifyAsync("TX900", new JsonObject
        {
            ["status"] = "success",
            ["data"] = new JsonObject { ["amount"] = "100.00", ["currency"] = "BDT", ["status"] = "COMPLETED" },
        });

        var (status, page) = await t.BrowserGetAsync(Return(topUp, "TX900"));
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUp));
        var admin = await t.AdminTopUpAsync(topUp);
        Assert.Equal("Review", admin["status"]!.GetValue<string>());
        Assert.Contains("did not name the transaction", admin["review_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_paid_shurjopay_verification_about_another_order_credits_nothing()
    {
        await using var t = await funding.StartAsync("sp_other_order");
        await t.StubTokenAsync();
        await t.StubSecretPayAsync();
        var topUp = await t.StartTopUpAsync(100m, "shurjopay");
        var spOrderId = FundingHarness.SpOrderId(topUp);
        // The verification answers "paid" with another order's element.
        await t.Stub("POST", $"{t.SpBase}/verification", 200,
            new JsonArray(FundingHarness.VerificationElement("spOTHER0000001", topUp, "1000", "100.0000")));

        var (status, page) = await t.BrowserGetAsync($"/payments/shurjopay/return?order_id={spOrderId}");
        Assert.Equal(200, status);
        Assert.Contains("Payment pending", page);
        Assert.Equal(0m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.CreditJournalsAsync(topUp));
    }

    [Fact]
    public async Task The_ledger_check_reports_one_gateway_payment_behind_two_credited_top_ups_whatever_its_spelling()
    {
        // A world of its own: the test breaks the ledger on purpose, and a shared gateway's next test would inherit it if it failed.
        await using var t = await FundingHarness.StartAsync("ssp_check_shared");
        await t.StubCheckoutAsync();
        var first = await t.StartTopUpAsync(100m, "securesoftpay");
        var second = await t.StartTopUpAsync(100m, "securesoftpay");
        await t.StubVerifyAsync("TX-A", FundingHarness.VerifyReply("TX-A", first, 100m));
        await t.StubVerifyAsync("TX-B", FundingHarness.VerifyReply("TX-B", second, 100m));
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(first, "TX-A"))).Body);
        Assert.Contains("Payment completed", (await t.BrowserGetAsync(Return(second, "TX-B"))).Body);
        Assert.True((await t.App.AdminGetAsync("/admin/v1/ledger/check"))["ok"]!.GetValue<bool>());

        // As a row written before ids were canonical would look: the second top-up's id is the first payment in lower case.
        await Sql.ExecuteAsync(t.App, $"UPDATE top_ups SET gateway_transaction_id = 'tx-a' WHERE reference = '{second}'");
        var check = await t.App.AdminGetAsync("/admin/v1/ledger/check");
        Assert.False(check["ok"]!.GetValue<bool>());
        var shared = Assert.Single(check["shared_gateway_payments"]!.AsArray())!;
        Assert.Equal("SecureSoftPay", shared["gateway"]!.GetValue<string>());
        Assert.Equal("TX-A", shared["gateway_id"]!.GetValue<string>());
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal),
            shared["top_up_ids"]!.AsArray().Select(n => n!.GetValue<string>()));

        await Sql.ExecuteAsync(t.App, $"UPDATE top_ups SET gateway_transaction_id = 'TX-B' WHERE reference = '{second}'");
    }

    private static string Return(string topUpId, string transactionId) =>
        $"/payments/securesoftpay/return?topup={Uri.EscapeDataString(topUpId)}&transaction_id={Uri.EscapeDataString(transactionId)}";
}
