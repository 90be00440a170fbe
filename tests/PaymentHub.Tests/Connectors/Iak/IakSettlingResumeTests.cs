using Microsoft.EntityFrameworkCore;
using PaymentHub.Fulfilment;

namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>
/// An IAK order left at Settling (the payment was reported paid, the order not yet settled: an instance died in
/// between) is resumed by checkstatus. Before stages were a table it started over: a new inquiry and a second payment.
/// </summary>
public sealed class IakSettlingResumeTests
{
    [Fact]
    public async Task An_order_left_at_settling_is_resolved_by_checkstatus_and_never_inquired_or_paid_again()
    {
        await using var t = await IakHarness.StartAsync("settling_resume", "inquiry-success", "pay-success", "checkstatus-success");
        // A manual order (the worker leaves it alone) turned into what the crash leaves: an IAK order at Settling.
        var (providerId, serviceId) = await t.App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", max: 1_000_000m, provider: "Settling");
        var (_, body) = await t.Shop.BillAsync("submit", ("provider_id", IakHarness.Id(providerId)), ("service_id", IakHarness.Id(serviceId)),
            ("amount", "302500"), ("meter_number", "530000000001"));
        var orderNumber = body["order_number"]!.GetValue<string>();
        var refId = new string(orderNumber.Where(char.IsAsciiLetterOrDigit).ToArray());
        await t.App.WithDbAsync(db => db.BillOrders.Where(o => o.OrderNumber == orderNumber).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.Connector, "iak")
            .SetProperty(o => o.ConnectorProductCode, "PLNPOSTPAID")
            .SetProperty(o => o.Stage, BillStage.Settling)
            .SetProperty(o => o.UpstreamRef, refId)
            .SetProperty(o => o.UpstreamState, $$"""{"TrId":"48213377","RefId":"{{refId}}"}""")
            .SetProperty(o => o.NextAttemptAt, DateTime.UtcNow)));

        var final = await t.WaitForFinalAsync(orderNumber);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal("5C1E0A7B33D94F2A8E61B0D4C7F29A15", final["token_number"]!.GetValue<string>());
        await t.AssertCallsAsync(inquiries: 0, payments: 0, statusChecks: 1);
        Assert.Equal(1, await t.Iak.CountAsync(IakHarness.CheckPath, $"\"ref_id\":\"{refId}\""));
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        Assert.Equal(BillStage.Done, await t.App.WithDbAsync(db => db.BillOrders.Where(o => o.OrderNumber == orderNumber).Select(o => o.Stage).SingleAsync()));
    }
}
