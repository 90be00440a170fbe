using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

/// <summary>Two gateway instances on one PostgreSQL share the fulfilment work without handling an order twice.</summary>
public sealed partial class MultiInstanceTests
{
    [Fact]
    public async Task Two_instances_drain_a_backlog_and_settle_every_order_exactly_once()
    {
        var settings = new Dictionary<string, string?> { ["Fulfilment:PollIntervalMs"] = "50", ["Fulfilment:BatchSize"] = "5" };
        await using var first = await PaymentHubApp.StartAsync("multi_instance", settings);
        var (providerId, serviceId) = await first.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number");
        var shop = await first.CreateResellerAsync(10_000m);

        // Stop-the-world backlog: submitted while only the first instance runs, most of them before the sandbox's 1 s delay.
        var orders = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var meter = i % 10 == 0 ? $"7{i:D3}0000" : $"7{i:D7}";
            var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
                ("amount", "100"), ("meter_number", meter));
            Assert.Equal(200, status);
            orders.Add(body["order_number"]!.GetValue<string>());
        }
        await using var second = await PaymentHubApp.StartAsync("multi_instance", settings, sharedDatabase: first.ConnectionString);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await first.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Status == PaymentHub.Bills.BillOrderStatus.Processing)) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The backlog was not drained in time.");
            await Task.Delay(200);
        }

        var settledLines = (first.ReadLog() + second.ReadLog()).Split('\n')
            .Where(line => line.Contains("settled as {Status} by {InstanceId}", StringComparison.Ordinal))
            .Select(line => SettledOrder().Match(line).Groups[1].Value)
            .ToList();
        Assert.Contains(first.ReadLog().Split('\n'), line => line.Contains("settled as {Status}", StringComparison.Ordinal));
        Assert.Equal(orders.Order(), settledLines.Order());
        Assert.Equal(6, await first.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Status == PaymentHub.Bills.BillOrderStatus.Cancelled)));
        Assert.Equal(10_000m - 54 * 100m, await shop.BalanceAsync());
        await first.AssertLedgerOkAsync();
    }

    [GeneratedRegex("\"OrderNumber\":\"(TST-[A-Z0-9]+)\"")]
    private static partial Regex SettledOrder();
}
