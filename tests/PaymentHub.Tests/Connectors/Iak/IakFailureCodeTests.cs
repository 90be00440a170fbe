namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>Every final IAK response code on payment cancels with IAK's message and refunds, without asking checkstatus.</summary>
public sealed class IakFailureCodeTests
{
    [Theory]
    [InlineData("01", "INVOICE HAS BEEN PAID")]
    [InlineData("17", "BALANCE NOT ENOUGH")]
    [InlineData("34", "BILL HAS BEEN PAID")]
    [InlineData("92", "GENERAL ERROR")]
    [InlineData("106", "PRODUCT TEMPORARILY OUT OF SERVICE")]
    public async Task A_final_failure_code_on_payment_cancels_and_refunds(string responseCode, string message)
    {
        await using var t = await IakHarness.StartAsync("pay_rc" + responseCode, "inquiry-success", "pay-rc" + responseCode, "checkstatus-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal(message, final["cancel_note"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);
    }
}
