using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Ledger;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// Settlers racing for one recharge (operators here; the request thread and the reconciler take the same path): exactly one
/// settles it, once, and the others are told it is no longer open. The settlement locks the order before it decides.
/// </summary>
public sealed class RechargeSettlementRaceTests(GatewayFixture fixture)
    : GatewayTest(fixture, "recharge_settle_race"), IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData("fail")]
    [InlineData("complete")]
    [InlineData("both")]
    public async Task Operators_settling_one_recharge_at_once_settle_it_exactly_once(string moves)
    {
        var shop = await App.CreateResellerAsync(1_000m);
        // A new database routes every operator to the manual connector: the recharge waits for an operator.
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "100"), ("operator", "GP")]);
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();
        var debited = await shop.BalanceAsync();
        Assert.True(debited < 1_000m);

        using var admin = App.Admin();
        await SettlerRace.AssertOneSettlesAsync(i => SettlerRace.MakesFirst(moves, "fail", i)
            ? admin.PostAsJsonAsync($"/admin/v1/recharges/{orderNumber}/fail", new { reason = $"operator {i}" })
            : admin.PostAsJsonAsync($"/admin/v1/recharges/{orderNumber}/complete", new { operator_transaction_id = $"OP-{i}" }),
            HttpStatusCode.NoContent);

        var order = await App.WithDbAsync(db => db.RechargeOrders.AsNoTracking().SingleAsync(o => o.OrderNumber == orderNumber));
        var refunds = await App.WithDbAsync(db => db.LedgerJournals.CountAsync(j => j.Reference == orderNumber && j.Kind == JournalKind.RechargeRefund));
        Assert.Equal(RechargeStage.Done, order.Stage);
        if (order.Status == RechargeStatus.Failed)
        {
            Assert.Equal(1, refunds);
            Assert.NotNull(order.RefundJournalId);
            Assert.Null(order.RewardResult);
            Assert.Equal(1_000m, await shop.BalanceAsync());
        }
        else
        {
            Assert.Equal(RechargeStatus.Success, order.Status);
            Assert.Equal(0, refunds);
            Assert.Null(order.RefundJournalId);
            Assert.NotNull(order.RewardResult);
            Assert.StartsWith("OP-", order.OperatorTransactionId);
            Assert.Equal(debited, await shop.BalanceAsync());
        }
        if (moves != "both")
        {
            Assert.Equal(moves == "fail" ? RechargeStatus.Failed : RechargeStatus.Success, order.Status);
        }
    }
}
