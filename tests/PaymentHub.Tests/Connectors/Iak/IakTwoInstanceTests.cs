using Microsoft.EntityFrameworkCore;
using PaymentHub.Bills;
using PaymentHub.Tests.Bills;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Iak;

public sealed class IakTwoInstanceTests
{
    [Fact]
    public async Task Two_instances_pay_a_backlog_of_iak_orders_each_exactly_once()
    {
        await using var iak = await WireMockScope.StartAsync("two-instances");
        await iak.StubAsync("Stubs/Iak", "inquiry-success", "pay-success");
        var settings = new Dictionary<string, string?>
        {
            ["Connectors:Iak:BaseUrl"] = iak.BaseUrl,
            ["Connectors:Iak:Username"] = IakHarness.Username,
            ["Connectors:Iak:ApiKey"] = IakHarness.ApiKey,
            ["Fulfilment:PollIntervalMs"] = "50",
            ["Fulfilment:BatchSize"] = "2",
            // The instance taking the submits has no worker; the two that share the backlog are started by TwoInstances.
            ["Fulfilment:Enabled"] = "false",
        };
        await using var builder = await PaymentHubApp.StartAsync("iak_two_instances", settings);
        var (providerId, serviceId) = await builder.CreateServiceAsync(connector: "iak", moduleFields: "meter_number", max: 1_000_000m,
            provider: "PLN", productCode: "PLNPOSTPAID");
        var shop = await builder.CreateResellerAsync(40 * IakHarness.BillTotal);
        var orders = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
                ("amount", "302500"), ("meter_number", "530000000001"));
            Assert.Equal(200, status);
            orders.Add(body["order_number"]!.GetValue<string>());
        }

        await using var pair = await TwoInstances.StartAsync(builder, settings);
        await pair.DrainAsync(TimeSpan.FromSeconds(90));

        await pair.AssertEachSettledSomeAndAllExactlyOnceAsync(orders);
        Assert.All(TwoInstances.Settlements(pair.First).Concat(TwoInstances.Settlements(pair.Second)), s => Assert.Equal("Success", s.Status));
        Assert.Equal(40, await builder.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Status == BillOrderStatus.Success)));
        Assert.Equal(40, await iak.CountAsync(IakHarness.CheckPath, "\"commands\":\"pay-pasca\""));
        foreach (var orderNumber in orders)
        {
            var refId = new string(orderNumber.Where(char.IsAsciiLetterOrDigit).ToArray());
            Assert.Equal(1, await iak.CountAsync(IakHarness.CheckPath, $"\"ref_id\":\"{refId}\""));
        }
        Assert.Equal(0m, await shop.BalanceAsync());
        await builder.AssertLedgerOkAsync();
    }
}
