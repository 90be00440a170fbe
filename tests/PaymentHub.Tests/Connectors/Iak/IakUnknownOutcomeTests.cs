namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>A payment whose outcome is unknown is sent exactly once and resolved by checkstatus, never resent.</summary>
public sealed class IakUnknownOutcomeTests(IakFixture iak) : IClassFixture<IakFixture>
{
    [Theory]
    [InlineData("pay-delayed")]
    [InlineData("pay-500")]
    [InlineData("pay-502-html")]
    [InlineData("pay-reset")]
    [InlineData("pay-empty")]
    [InlineData("pay-malformed")]
    public async Task An_unknown_payment_outcome_is_sent_once_and_resolved_by_checkstatus(string payStub)
    {
        await using var t = await iak.StartAsync("unknown_" + payStub.Replace("-", "_"),
            payStub == "pay-delayed" ? IakHarness.ShortAttemptTimeout() : null, "inquiry-success", payStub, "checkstatus-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("5C1E0A7B33D94F2A8E61B0D4C7F29A15", final["token_number"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 1, payments: 1, statusChecks: 1);
    }
}
