namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>
/// An inquiry is safe to repeat: whatever goes wrong with it (timeout, HTML error page, reset, empty reply, malformed
/// JSON), it is asked again, and the bill is paid exactly once afterwards.
/// </summary>
public sealed class IakInquiryFaultTests
{
    [Theory]
    [InlineData("delayed")]
    [InlineData("502-html")]
    [InlineData("reset")]
    [InlineData("empty")]
    [InlineData("malformed")]
    public async Task A_failed_inquiry_is_asked_again_and_the_bill_paid_once(string fault)
    {
        await using var t = await IakHarness.StartAsync("inq_" + fault.Replace("-", "_"), $"inquiry-{fault}-then-success", "pay-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 2, payments: 1, statusChecks: 0);
    }
}
