using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Fulfilment;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

/// <summary>
/// The fulfilment worker writes a bill order's stage only through the stage table: a connector that asks for a move the
/// table forbids (a checkpoint before its call, or the stage it wants to wait in) gets the order flagged for the
/// operator, where it was, with nothing sent and nothing refunded.
/// </summary>
public sealed class BillStageGuardTests : IAsyncLifetime
{
    /// <summary>By customer number: "111" checkpoints New → Checking before its call; "222" waits in Submitted straight from New.</summary>
    private sealed class MisbehavingConnector : IBillConnector
    {
        public string Name => "misbehaving";
        public int UpstreamCalls;

        public async Task<ConnectorOutcome> ProcessAsync(BillOrderWork work, CancellationToken ct)
        {
            if (work.CustomerNumber == "111")
            {
                await work.SaveCheckpointAsync(new ConnectorCheckpoint(BillStage.Checking, "REF-111", null), ct);
                Interlocked.Increment(ref UpstreamCalls);
                return new ConnectorOutcome.Succeeded("token-111");
            }
            return new ConnectorOutcome.Pending(TimeSpan.FromSeconds(1), BillStage.Submitted, "waiting where it may not");
        }
    }

    private readonly MisbehavingConnector _connector = new();
    private PaymentHubApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await PaymentHubApp.StartAsync("bill_stage_guard", services: services => services.AddSingleton<IBillConnector>(_connector));

    public async Task DisposeAsync()
    {
        await _app.AssertLedgerOkAsync();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("111", "Checking")]
    [InlineData("222", "Submitted")]
    public async Task A_forbidden_move_flags_the_order_for_the_operator_where_it_was(string customer, string forbidden)
    {
        var (providerId, serviceId) = await _app.CreateServiceAsync(connector: "misbehaving", moduleFields: "meter_number", provider: "Guard" + customer);
        var shop = await _app.CreateResellerAsync(1_000m);
        var (status, body) = await shop.BillAsync("submit", ("provider_id", Id(providerId)), ("service_id", Id(serviceId)),
            ("amount", "250"), ("meter_number", customer));
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();

        var order = await WaitForFlagAsync(orderNumber);
        Assert.Equal("Processing", order["status"]!.GetValue<string>());
        Assert.Equal("new", order["stage"]!.GetValue<string>());
        Assert.Contains($"from stage New to {forbidden}, which is not allowed", order["flag_reason"]!.GetValue<string>());
        Assert.Null(order["next_attempt_at"]?.GetValue<DateTime?>());
        Assert.Null(order["upstream_ref"]?.GetValue<string?>());
        Assert.Equal(0, _connector.UpstreamCalls);
        Assert.Equal(750m, await shop.BalanceAsync());
        Assert.Equal(BillStage.New, await _app.WithDbAsync(db => db.BillOrders.Where(o => o.OrderNumber == orderNumber).Select(o => o.Stage).SingleAsync()));

        // The operator decides; the refund is the usual one.
        var cancelled = await _app.AdminPostAsync($"/admin/v1/orders/{orderNumber}/cancel", new { cancel_note = "Connector fault" });
        Assert.Equal(("Cancelled", "done"), (cancelled["status"]!.GetValue<string>(), cancelled["stage"]!.GetValue<string>()));
        Assert.Equal(1_000m, await shop.BalanceAsync());
    }

    private async Task<JsonNode> WaitForFlagAsync(string orderNumber)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var order = await _app.AdminGetAsync($"/admin/v1/orders/{orderNumber}");
            if (order["flagged_at"] is not null || DateTime.UtcNow > deadline)
            {
                Assert.NotNull(order["flagged_at"]);
                return order;
            }
            await Task.Delay(100);
        }
    }

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);
}
