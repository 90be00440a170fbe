using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Ledger;

namespace PaymentHub.Tests.Funding;

public sealed class ShurjoPayFundingTests
{
    [Fact]
    public async Task Happy_path_verifies_server_side_and_credits_once()
    {
        await using var t = await FundingHarness.StartAsync("sp_happy");
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
            "\"return_url\":\"https://hub.example.test/payments/shurjopay/return\",\"cancel_url\":\"https://hub.example.test/payments/shurjopay/return\",\"amount\":100"));
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
}
