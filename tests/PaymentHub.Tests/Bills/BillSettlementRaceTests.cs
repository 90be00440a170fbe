using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Bills;
using PaymentHub.Fulfilment;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

/// <summary>
/// Settlers racing for one bill order (operators here; the fulfilment worker takes the same path): exactly one settles it,
/// once, and the others are told it is final. The settlement locks the order before it decides.
/// </summary>
public sealed class BillSettlementRaceTests(GatewayFixture fixture)
    : GatewayTest(fixture, "bill_settle_race"), IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData("cancel")]
    [InlineData("complete")]
    [InlineData("both")]
    public async Task Operators_settling_one_order_at_once_settle_it_exactly_once(string moves)
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: $"Race{Guid.NewGuid():N}"[..20]);
        var shop = await App.CreateResellerAsync(1_000m);
        var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "100"), ("meter_number", "123456"));
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();
        var debited = await shop.BalanceAsync();
        Assert.True(debited < 1_000m);

        using var admin = App.Admin();
        await SettlerRace.AssertOneSettlesAsync(i => SettlerRace.MakesFirst(moves, "cancel", i)
            ? admin.PostAsJsonAsync($"/admin/v1/orders/{orderNumber}/cancel", new { cancel_note = $"operator {i}" })
            : admin.PostAsJsonAsync($"/admin/v1/orders/{orderNumber}/complete", new { token_number = $"TOKEN-{i}" }),
            HttpStatusCode.OK);

        var order = await App.WithDbAsync(db => db.BillOrders.AsNoTracking().SingleAsync(o => o.OrderNumber == orderNumber));
        var refunds = await App.WithDbAsync(db => db.LedgerJournals.CountAsync(j => j.Reference == orderNumber && j.Kind == JournalKind.BillOrderRefund));
        Assert.Equal(BillStage.Done, order.Stage);
        if (order.Status == BillOrderStatus.Cancelled)
        {
            Assert.Equal(1, refunds);
            Assert.NotNull(order.RefundJournalId);
            Assert.StartsWith("operator ", order.CancelNote);
            Assert.Null(order.TokenNumber);
            Assert.Equal(1_000m, await shop.BalanceAsync());
        }
        else
        {
            Assert.Equal(BillOrderStatus.Success, order.Status);
            Assert.Equal(0, refunds);
            Assert.Null(order.RefundJournalId);
            Assert.StartsWith("TOKEN-", order.TokenNumber);
            Assert.Equal(debited, await shop.BalanceAsync());
        }
        if (moves != "both")
        {
            Assert.Equal(moves == "cancel" ? BillOrderStatus.Cancelled : BillOrderStatus.Success, order.Status);
        }
    }
}
