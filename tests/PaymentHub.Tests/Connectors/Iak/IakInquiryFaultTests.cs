using Microsoft.EntityFrameworkCore;

namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>
/// An inquiry is safe to repeat: whatever goes wrong with it (timeout, HTML error page, reset, empty reply, malformed
/// JSON, a "pending" response code), it is asked again, and the bill is paid exactly once afterwards, never on the
/// strength of an inquiry that did not succeed.
/// </summary>
public sealed class IakInquiryFaultTests(IakFixture iak) : IClassFixture<IakFixture>
{
    [Theory]
    [InlineData("delayed")]
    [InlineData("502-html")]
    [InlineData("reset")]
    [InlineData("empty")]
    [InlineData("malformed")]
    public async Task A_failed_inquiry_is_asked_again_and_the_bill_paid_once(string fault)
    {
        await using var t = await iak.StartAsync("inq_" + fault.Replace("-", "_"),
            fault == "delayed" ? IakHarness.ShortAttemptTimeout() : null, $"inquiry-{fault}-then-success", "pay-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 2, payments: 1, statusChecks: 0);
        // A timeout, an HTTP 5xx, a reset and a connection closed without a reply are retried by IAK's pipeline, which says
        // so in the log; a malformed reply that came with HTTP 200 is the connector's to ask again.
        var log = t.ReadTestLog();
        Assert.Equal(fault != "malformed", log.Contains("attempt 1 failed", StringComparison.Ordinal));
        // Not the upstream's address, which HttpClientFactory's logging scope would add to every line logged inside the call.
        Assert.DoesNotContain(t.Iak.BaseUrl, log);
    }

    /// <summary>
    /// IAK's pending codes (05, 39, 201) on an inquiry: checkstatus has nothing to say about an inquiry (it tracks
    /// payments), so the inquiry itself is asked again after a backoff, and only its success is paid. The pending reply
    /// carries a tr_id and the right price: paying on it would be possible, and wrong.
    /// </summary>
    [Theory]
    [InlineData("39", "PENDING / TRANSAKSI SEDANG DIPROSES")]
    [InlineData("05", "UNDEFINED ERROR")]
    [InlineData("201", "UNDEFINED RESPONSE CODE")]
    public async Task A_pending_inquiry_is_asked_again_and_the_bill_paid_once_it_succeeds(string responseCode, string message)
    {
        await using var t = await iak.StartAsync("inq_pending_rc" + responseCode, "pay-success", "checkstatus-success");
        await t.StubAsync("inquiry-pending-then-success", ("__RC__", responseCode), ("__MESSAGE__", message));
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("0B7D21F4A9C3E5D61820FF3A77C1E902", final["token_number"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 2, payments: 1, statusChecks: 0);
    }

    /// <summary>
    /// rc 11 (duplicate ref id) on an inquiry means an earlier inquiry under that ref_id reached IAK, its reply lost. An
    /// inquiry pays nothing, so it is asked again under a new reference (the attempt number appended), and that one's
    /// ref_id is what checkstatus would later ask about.
    /// </summary>
    [Fact]
    public async Task A_duplicate_ref_id_on_an_inquiry_is_asked_again_under_a_new_reference_and_paid_once()
    {
        await using var t = await iak.StartAsync("inq_dup_ref", "inquiry-duplicate-ref-then-success", "pay-success");
        var orderNumber = await t.SubmitAsync();
        var final = await t.WaitForFinalAsync(orderNumber);

        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 2, payments: 1, statusChecks: 0);
        var reference = new string(orderNumber.Where(char.IsAsciiLetterOrDigit).ToArray());
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"ref_id\":\"{reference}\""));
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"ref_id\":\"{reference}R1\""));
        var order = await t.App.WithDbAsync(db => db.BillOrders.AsNoTracking().SingleAsync(o => o.OrderNumber == orderNumber));
        Assert.Equal(reference + "R1", order.UpstreamRef);
    }

    [Fact]
    public async Task An_inquiry_that_stays_pending_is_asked_again_with_backoff_flagged_and_never_paid()
    {
        // A world of its own: the order is still being asked about when the test ends.
        await using var t = await IakHarness.StartAsync("inq_pending_stuck",
            new Dictionary<string, string?> { ["Fulfilment:FlagAfterMinutes"] = "0" }, "pay-success", "checkstatus-success");
        await t.StubAsync("inquiry-pending", ("__RC__", "39"), ("__MESSAGE__", "PENDING / TRANSAKSI SEDANG DIPROSES"));
        var orderNumber = await t.SubmitAsync();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await t.InquiriesAsync() < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var order = await t.App.WithDbAsync(db => db.BillOrders.AsNoTracking().SingleAsync(o => o.OrderNumber == orderNumber));
        Assert.True(await t.InquiriesAsync() >= 3, "The pending inquiry was not asked again.");
        Assert.Equal(PaymentHub.Bills.BillOrderStatus.Processing, order.Status);
        Assert.Equal(Fulfilment.BillStage.New, order.Stage);
        Assert.NotNull(order.FlaggedAt);
        Assert.Contains("Inquiry: PENDING / TRANSAKSI SEDANG DIPROSES", order.FlagReason);
        // Backoff: the next question is scheduled after the last one, not immediately.
        Assert.True(order.NextAttemptAt > order.UpdatedAt, $"next {order.NextAttemptAt:O}, updated {order.UpdatedAt:O}");
        // Nothing was paid, nothing refunded behind the operator's back: the reseller's money waits for a decision.
        Assert.Equal(0, await t.PaymentsAsync());
        Assert.Equal(0, await t.StatusChecksAsync());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        Assert.Equal(0, await t.RefundJournalsAsync(orderNumber));
    }
}
