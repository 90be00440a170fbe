using System.Net.Http.Json;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Nurr;

/// <summary>
/// The auditor's case, end to end between two PaymentHubs: a recharge whose outcome is unknown, our key revoked at the
/// upstream, the upstream completing the recharge anyway. The status query's 401 must not fail and refund it downstream
/// (that was "delivered AND refunded"); it waits, flagged, and the operator resolves it.
/// </summary>
public sealed class NurrRevokedKeyChainTests
{
    [Fact]
    public async Task A_status_query_refused_with_401_never_refunds_a_recharge_the_upstream_delivered()
    {
        await using var chain = await NurrChain.StartAsync("nurr_revoked", new Dictionary<string, string?> { ["Fulfilment:FlagAfterMinutes"] = "0" });
        var shop = await chain.Downstream.CreateResellerAsync(500m, "Revoked Key Shop");
        var hubBefore = await chain.HubAccount.BalanceAsync();

        // The upstream's sandbox "times out" on 9999 numbers: its reply is Processing, and it completes it seconds later.
        var (_, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712349999"), ("amount", "50"), ("operator", "GP")]);
        Assert.Equal("Processing", body["status"]!.GetValue<string>());
        var orderNumber = body["order_number"]!.GetValue<string>();

        // Our key at the upstream is revoked before anyone asks about the recharge.
        var keys = await chain.Upstream.AdminGetAsync($"/admin/v1/resellers/{chain.HubAccount.Id}/api-keys");
        var keyId = keys.AsArray().Single(k => k!["api_key"]!.GetValue<string>() == chain.HubAccount.ApiKey)!["id"]!.GetValue<int>();
        using (var admin = chain.Upstream.Admin())
        using (var revoked = await admin.DeleteAsync($"/admin/v1/resellers/{chain.HubAccount.Id}/api-keys/{keyId}"))
        {
            Assert.Equal(204, (int)revoked.StatusCode);
        }

        var upstreamOrder = await Poll.UntilAsync(
            async () => (await chain.Upstream.AdminGetAsync($"/admin/v1/recharges?reseller_id={chain.HubAccount.Id}")).AsArray().Single()!,
            o => o["status"]!.GetValue<string>() != "Processing");
        Assert.Equal("Success", upstreamOrder["status"]!.GetValue<string>());
        Assert.Equal(hubBefore - 49.50m, await chain.HubAccount.BalanceAsync());

        // Downstream asked (and was refused) twice at least: still Processing, flagged, not refunded.
        var waiting = await Poll.UntilAsync(
            async () => (await chain.Downstream.AdminGetAsync($"/admin/v1/recharges?reseller_id={shop.Id}")).AsArray().Single()!,
            o => o["attempts"]!.GetValue<int>() >= 2);
        Assert.Equal("Processing", waiting["status"]!.GetValue<string>());
        Assert.Equal("Status query refused (HTTP 401): Invalid API credentials.", waiting["last_error"]!.GetValue<string>());
        Assert.NotNull(waiting["flagged_at"]);
        Assert.Equal(450.50m, await shop.BalanceAsync());
        Assert.Equal(0, await chain.Downstream.WithDbAsync(db => Task.FromResult(
            db.LedgerJournals.Count(j => j.Kind == JournalKind.RechargeRefund && j.Reference == orderNumber))));
        await chain.Downstream.AssertLedgerOkAsync();

        // The operator sees it delivered in the upstream's panel and completes it: no refund, ever.
        var transactionId = upstreamOrder["operator_transaction_id"]!.GetValue<string>();
        using (var admin = chain.Downstream.Admin())
        using (var completed = await admin.PostAsJsonAsync($"/admin/v1/recharges/{orderNumber}/complete", new { operator_transaction_id = transactionId }))
        {
            Assert.Equal(204, (int)completed.StatusCode);
        }
        var final = (await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("order_number", orderNumber)])).Body;
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal(transactionId, final["operator_transaction_id"]!.GetValue<string>());
        Assert.Equal(450.50m, await shop.BalanceAsync());
    }
}
