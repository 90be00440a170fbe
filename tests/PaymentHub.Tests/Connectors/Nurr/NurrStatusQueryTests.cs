using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentHub.Ledger;
using PaymentHub.Recharge;
using static PaymentHub.Tests.Connectors.Nurr.NurrHarness;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Nurr;

/// <summary>
/// A reply to a status query settles an order only when it is a readable answer naming that order's final state. Errors
/// (our key revoked, a 404 for an order we sent, 5xx, HTML, unreadable or foreign answers) leave it Processing, unrefunded
/// and flagged, until a real answer settles it once. Against WireMock faking the nurr upstream.
/// </summary>
[RunsLong(45)]
public sealed class NurrStatusQueryTests(NurrFixture nurr) : IClassFixture<NurrFixture>
{
    public static TheoryData<string> Faults => [.. Notes.Keys];

    /// <summary>What the order's last_error must say after each fault, so the test shows which reply was read, and how.</summary>
    private static readonly Dictionary<string, string> Notes = new()
    {
        ["401"] = "Status query refused (HTTP 401): Invalid API credentials.",
        ["422"] = "Status query refused (HTTP 422): Missing required parameters.",
        ["404"] = "Status query refused (HTTP 404): Transaction not found.",
        ["500"] = "Status query unanswered: Upstream answered HTTP 500: Transaction failed.",
        ["html"] = "Status query unanswered: Upstream answered HTTP 502 without readable JSON",
        ["malformed"] = "Status query unanswered: Upstream answered HTTP 200 without readable JSON",
        ["bogus-charset"] = "Status query unanswered: Upstream answered HTTP 200 without readable JSON",
        ["other-order"] = "Status reply names another",
        ["other-amount"] = "Status reply names the amount 350.00, not this order's.",
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_recharge_status_query_error_leaves_it_processing_unrefunded_until_a_real_answer_settles_it_once(string fault)
    {
        await using var t = await nurr.StartAsync("rc_status_" + fault.Replace('-', '_'));
        await t.StubAsync(RechargePath, 500, """{"error":"Transaction failed."}""");
        await t.StubStatusFaultAsync(RechargeStatusPath, fault);

        var orderNumber = await t.RechargeProcessingAsync();
        // The reconciler has asked and recorded what it got, at least once.
        var waiting = await t.FastForwardUntilAsync(() => t.AdminRechargeAsync(orderNumber), o => o["attempts"]!.GetValue<int>() >= 1);
        Assert.Equal("Processing", waiting["status"]!.GetValue<string>());
        Assert.NotNull(waiting["flagged_at"]);
        Assert.StartsWith(Notes[fault], waiting["last_error"]!.GetValue<string>());
        Assert.Contains(Notes[fault], waiting["flag_reason"]!.GetValue<string>());
        Assert.Equal("Processing", (await t.RechargeStatusAsync(orderNumber))["status"]!.GetValue<string>());
        await t.AssertDebitedOnceAndNotRefundedAsync(orderNumber, StartBalance - RechargeDebit);
        await t.App.AssertLedgerOkAsync();

        // The upstream answers properly at last (a later stub wins): Success, once.
        await t.StubAsync(RechargeStatusPath, 200, RechargeReply("Success", "NURR-TXN-1"));
        var final = await t.FastForwardUntilAsync(() => t.RechargeStatusAsync(orderNumber), IsFinal);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("NURR-TXN-1", final["operator_transaction_id"]!.GetValue<string>());
        await t.AssertDebitedOnceAndNotRefundedAsync(orderNumber, StartBalance - RechargeDebit);
        await t.AssertCallsAsync(RechargePath, 1);
        Assert.True(await t.CallsAsync(RechargeStatusPath) >= 2);
    }

    [Fact]
    public async Task A_status_query_answering_failed_for_the_order_refunds_it_exactly_once()
    {
        await using var t = await nurr.StartAsync("rc_status_failed");
        await t.StubAsync(RechargePath, 502, Html502, "text/html");
        await t.StubAsync(RechargeStatusPath, 200, RechargeReply("Failed", null));

        var orderNumber = await t.RechargeProcessingAsync();
        var final = await t.FastForwardUntilAsync(() => t.RechargeStatusAsync(orderNumber), IsFinal);
        Assert.Equal("Failed", final["status"]!.GetValue<string>());
        Assert.Equal("Operator rejected the number.", final["failure_reason"]!.GetValue<string>());
        Assert.Equal(StartBalance, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.JournalsAsync(JournalKind.RechargeRefund, orderNumber));
        await t.AssertCallsAsync(RechargePath, 1);
        await t.AssertCallsAsync(RechargeStatusPath, 1);
    }

    [Fact]
    public async Task With_recharge_status_checks_off_an_unknown_recharge_is_never_queried_and_waits_flagged_for_the_operator()
    {
        await using var t = await nurr.StartAsync("rc_status_off", new Dictionary<string, string?> { ["Connectors:Nurr:RechargeStatusCheck"] = "false" });
        await t.StubAsync(RechargePath, 500, """{"error":"Transaction failed."}""");
        // Were it asked, the upstream would settle both at once: it must not be asked.
        await t.StubAsync(RechargeStatusPath, 200, RechargeReply("Success", "NURR-TXN-1"));

        var delivered = await t.RechargeProcessingAsync();
        var rejected = await t.RechargeProcessingAsync("01712345679");
        var flagged = (await t.App.AdminGetAsync($"/admin/v1/recharges?flagged=true&reseller_id={t.Shop.Id}")).AsArray();
        Assert.Equal(2, flagged.Count);
        Assert.All(flagged, o => Assert.Contains("no status query", o!["flag_reason"]!.GetValue<string>()));
        // Well past the moment the reconciler would have asked (ResolveAfterSeconds = 2), it looks at them again, and asks nobody.
        t.Clock.Advance(TimeSpan.FromMinutes(10));
        var reconciler = t.App.Services.GetServices<IHostedService>().OfType<RechargeReconciler>().Single();
        await reconciler.RunOnceAsync(CancellationToken.None);
        Assert.Equal("Processing", (await t.RechargeStatusAsync(delivered))["status"]!.GetValue<string>());
        await t.AssertCallsAsync(RechargeStatusPath, 0);
        Assert.Equal(StartBalance - 2 * RechargeDebit, await t.Shop.BalanceAsync());

        // The operator looks at the upstream's panel and resolves each by hand.
        using var admin = t.App.Admin();
        using (var completed = await admin.PostAsJsonAsync($"/admin/v1/recharges/{delivered}/complete", new { operator_transaction_id = "PANEL-TXN-9" }))
        {
            Assert.Equal(204, (int)completed.StatusCode);
        }
        using (var failed = await admin.PostAsJsonAsync($"/admin/v1/recharges/{rejected}/fail", new { reason = "Not in the upstream's panel" }))
        {
            Assert.Equal(204, (int)failed.StatusCode);
        }
        var success = await t.RechargeStatusAsync(delivered);
        Assert.Equal("Success", success["status"]!.GetValue<string>());
        Assert.Equal("PANEL-TXN-9", success["operator_transaction_id"]!.GetValue<string>());
        var failure = await t.RechargeStatusAsync(rejected);
        Assert.Equal("Failed", failure["status"]!.GetValue<string>());
        Assert.Equal("Not in the upstream's panel", failure["failure_reason"]!.GetValue<string>());
        await t.AssertDebitedOnceAndNotRefundedAsync(delivered, StartBalance - RechargeDebit);
        Assert.Equal(1, await t.JournalsAsync(JournalKind.RechargeRefund, rejected));
        await t.AssertCallsAsync(RechargePath, 2);
        await t.AssertCallsAsync(RechargeStatusPath, 0);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_bill_status_query_error_leaves_the_order_processing_unrefunded_until_a_real_answer_settles_it_once(string fault)
    {
        await using var t = await nurr.StartAsync("bill_status_" + fault.Replace('-', '_'));
        await t.StubAsync(BillSubmitPath, 200, BillReply("Processing"));
        await t.StubStatusFaultAsync(BillStatusPath, fault);

        var orderNumber = await t.SubmitBillAsync();
        // Submitted (one attempt), then asked at least once more.
        var waiting = await t.FastForwardUntilAsync(() => t.AdminBillAsync(orderNumber),
            o => o["attempts"]!.GetValue<int>() >= 2 && o["last_error"]?.GetValue<string>() is { Length: > 0 });
        Assert.Equal("Processing", waiting["status"]!.GetValue<string>());
        Assert.Equal("submitted", waiting["stage"]!.GetValue<string>());
        Assert.Equal(UpstreamOrder, waiting["upstream_ref"]!.GetValue<string>());
        Assert.StartsWith(Notes[fault], waiting["last_error"]!.GetValue<string>());
        Assert.NotNull(waiting["flagged_at"]);
        Assert.Equal("Processing", (await t.BillStatusAsync(orderNumber))["status"]!.GetValue<string>());
        Assert.Equal(StartBalance - 200m, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.JournalsAsync(JournalKind.BillOrderRefund, orderNumber));
        await t.App.AssertLedgerOkAsync();

        await t.StubAsync(BillStatusPath, 200, BillReply("Success"));
        var final = await t.FastForwardUntilAsync(() => t.BillStatusAsync(orderNumber), IsFinal);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("1234-5678-9012", final["token_number"]!.GetValue<string>());
        Assert.Equal(StartBalance - 200m, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.JournalsAsync(JournalKind.BillOrderDebit, orderNumber));
        Assert.Equal(0, await t.JournalsAsync(JournalKind.BillOrderRefund, orderNumber));
        await t.AssertCallsAsync(BillSubmitPath, 1);
    }

    [Fact]
    public async Task A_bill_the_upstream_cancels_is_cancelled_and_refunded_once()
    {
        await using var t = await nurr.StartAsync("bill_status_cancelled");
        await t.StubAsync(BillSubmitPath, 200, BillReply("Processing"));
        await t.StubAsync(BillStatusPath, 200, BillReply("Cancelled"));

        var orderNumber = await t.SubmitBillAsync();
        var final = await t.FastForwardUntilAsync(() => t.BillStatusAsync(orderNumber), IsFinal);
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal("Invalid customer information", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(StartBalance, await t.Shop.BalanceAsync());
        Assert.Equal(1, await t.JournalsAsync(JournalKind.BillOrderRefund, orderNumber));
        await t.AssertCallsAsync(BillSubmitPath, 1);
        await t.AssertCallsAsync(BillStatusPath, 1);
    }
}
