using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Bills;
using PaymentHub.Fulfilment;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

/// <summary>Two gateway instances on one PostgreSQL share the fulfilment work without handling an order twice.</summary>
public sealed class MultiInstanceTests
{
    [Fact]
    public async Task Two_instances_drain_a_backlog_and_settle_every_order_exactly_once()
    {
        // A third instance without a worker takes the submits, so the backlog waits for both workers.
        var settings = new Dictionary<string, string?>
        {
            ["Fulfilment:Enabled"] = "false", ["Fulfilment:PollIntervalMs"] = "50", ["Fulfilment:BatchSize"] = "2",
        };
        await using var builder = await PaymentHubApp.StartAsync("multi_instance", settings);
        var (providerId, serviceId) = await builder.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number");
        var shop = await builder.CreateResellerAsync(10_000m);
        var orders = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var meter = i % 10 == 0 ? $"7{i:D3}0000" : $"7{i:D7}";
            var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
                ("amount", "100"), ("meter_number", meter));
            Assert.Equal(200, status);
            orders.Add(body["order_number"]!.GetValue<string>());
        }

        await using var pair = await TwoInstances.StartAsync(builder, settings);
        await pair.DrainAsync(TimeSpan.FromSeconds(60));

        await pair.AssertEachSettledSomeAndAllExactlyOnceAsync(orders);
        Assert.Equal(6, await builder.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Status == BillOrderStatus.Cancelled)));
        Assert.Equal(54, await builder.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Status == BillOrderStatus.Success)));
        Assert.Equal(10_000m - 54 * 100m, await shop.BalanceAsync());
        await builder.AssertLedgerOkAsync();
    }
}

/// <summary>
/// Two worker instances, "instance-a" and "instance-b", on the database of an instance whose own worker is off. The
/// backlog is parked (not due) while they start and released in one statement once both poll, then both workers are
/// woken together, so each gets work whichever starts first: a claim batch is small and the backlog many batches long.
/// </summary>
public sealed class TwoInstances : IAsyncDisposable
{
    public const string FirstId = "instance-a";
    public const string SecondId = "instance-b";

    private readonly PaymentHubApp _builder;

    public required PaymentHubApp First { get; init; }
    public required PaymentHubApp Second { get; init; }

    private TwoInstances(PaymentHubApp builder) => _builder = builder;

    public static async Task<TwoInstances> StartAsync(PaymentHubApp builder, IDictionary<string, string?> settings)
    {
        await builder.WithDbAsync(db => db.BillOrders.Where(o => o.Status == BillOrderStatus.Processing)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.NextAttemptAt, (DateTime?)null)));
        var first = await PaymentHubApp.StartAsync("unused", With(settings, FirstId), sharedDatabase: builder.ConnectionString);
        var second = await PaymentHubApp.StartAsync("unused", With(settings, SecondId), sharedDatabase: builder.ConnectionString);
        var released = DateTime.UtcNow;
        await builder.WithDbAsync(db => db.BillOrders.Where(o => o.Status == BillOrderStatus.Processing)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.NextAttemptAt, released)));
        // Both workers found nothing while the backlog was parked and are in their idle back-off (up to
        // PollingLoop.MaxIdleDelay); without a wake-up the first to wake could drain the whole backlog alone.
        first.Services.GetRequiredService<WorkSignal<BillFulfilmentWorker>>().Notify();
        second.Services.GetRequiredService<WorkSignal<BillFulfilmentWorker>>().Notify();
        return new TwoInstances(builder) { First = first, Second = second };
    }

    public async Task DrainAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (await _builder.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Status == BillOrderStatus.Processing)) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The backlog was not drained in time.");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Every order is settled exactly once over both instances' logs, each instance settled at least one, and every
    /// settlement line in an instance's log names that instance.
    /// </summary>
    public async Task AssertEachSettledSomeAndAllExactlyOnceAsync(IReadOnlyCollection<string> orders)
    {
        // A worker logs its settlement after the commit, so the last line may reach the log file after the drain saw no
        // order left Processing (a run once read 59 lines for 60 orders); wait for the lines, then compare them.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var first = Settlements(First);
        var second = Settlements(Second);
        while (first.Count + second.Count < orders.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            first = Settlements(First);
            second = Settlements(Second);
        }
        Assert.All(first, s => Assert.Equal(FirstId, s.InstanceId));
        Assert.All(second, s => Assert.Equal(SecondId, s.InstanceId));
        Assert.True(first.Count > 0 && second.Count > 0, $"Settled by {FirstId}: {first.Count}, by {SecondId}: {second.Count}.");
        Assert.Equal(orders.Order(StringComparer.Ordinal), first.Concat(second).Select(s => s.OrderNumber).Order(StringComparer.Ordinal));
    }

    /// <summary>The worker's "Bill order {OrderNumber} settled as {Status} by {InstanceId}" lines of one instance's JSON log.</summary>
    public static List<(string OrderNumber, string Status, string InstanceId)> Settlements(PaymentHubApp app) =>
        app.ReadLog().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonNode.Parse(line)!)
            .Where(e => e["MessageTemplate"]?.GetValue<string>() == "Bill order {OrderNumber} settled as {Status} by {InstanceId}")
            .Select(e => e["Properties"]!)
            .Select(p => (p["OrderNumber"]!.GetValue<string>(), p["Status"]!.GetValue<string>(), p["InstanceId"]!.GetValue<string>()))
            .ToList();

    private static Dictionary<string, string?> With(IDictionary<string, string?> settings, string instanceId) =>
        new(settings) { ["Fulfilment:Enabled"] = "true", ["Fulfilment:InstanceId"] = instanceId };

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }
}
