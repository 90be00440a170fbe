namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>
/// Every final IAK response code cancels with IAK's message and refunds once: on payment without asking checkstatus
/// (the payment was refused), on inquiry without paying at all.
/// </summary>
public sealed class IakFailureCodeTests(IakFixture iak) : IClassFixture<IakFixture>
{
    [Theory]
    [InlineData("01", "INVOICE HAS BEEN PAID")]
    [InlineData("17", "BALANCE NOT ENOUGH")]
    [InlineData("34", "BILL HAS BEEN PAID")]
    [InlineData("92", "GENERAL ERROR")]
    [InlineData("100", "INVALID SIGNATURE")]
    [InlineData("106", "PRODUCT TEMPORARILY OUT OF SERVICE")]
    public async Task A_final_failure_code_on_payment_cancels_and_refunds(string responseCode, string message)
    {
        await using var t = await iak.StartAsync("pay_rc" + responseCode, "inquiry-success", "pay-rc" + responseCode, "checkstatus-success");
        var orderNumber = await t.SubmitAsync();
        await t.AssertCancelledAndRefundedAsync(orderNumber, await t.WaitForFinalAsync(orderNumber), message);
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 0);
    }

    /// <summary>
    /// The families an inquiry can be refused with: already paid (01, 34), wrong customer number (14), our IAK deposit
    /// too low (17), product out of service (106). Each is final, so the order is cancelled and refunded, never paid.
    /// </summary>
    [Theory]
    [InlineData("01", "INVOICE HAS BEEN PAID")]
    [InlineData("34", "BILL HAS BEEN PAID")]
    [InlineData("14", "INCORRECT DESTINATION NUMBER")]
    [InlineData("17", "BALANCE NOT ENOUGH")]
    [InlineData("106", "PRODUCT TEMPORARILY OUT OF SERVICE")]
    public async Task A_final_failure_code_on_inquiry_cancels_and_refunds_without_paying(string responseCode, string message)
    {
        await using var t = await iak.StartAsync("inq_rc" + responseCode, "pay-success", "checkstatus-success");
        await t.StubAsync("inquiry-final-failure", ("__RC__", responseCode), ("__MESSAGE__", message));
        var orderNumber = await t.SubmitAsync();
        await t.AssertCancelledAndRefundedAsync(orderNumber, await t.WaitForFinalAsync(orderNumber), message);
        await t.AssertCallsAsync(inquiries: 1, payments: 0, statusChecks: 0);
    }
}
