using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Data;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;
using PaymentHub.Webhooks;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// The request thread's one-statement success settlement (<see cref="RechargeSuccessStatement"/>) against the full one
/// (<see cref="RechargeSettlement"/>): the same outcome, the same reward block byte for byte, and nothing written when the
/// order is not open to it or needs a callback. A new database routes every operator to the manual connector, so each
/// recharge here waits, Processing, for the settlement the test makes.
/// </summary>
public sealed class RechargeSuccessStatementTests(GatewayFixture fixture)
    : GatewayTest(fixture, "recharge_success_statement"), IClassFixture<GatewayFixture>
{
    private async Task<(TestReseller Shop, RechargeOrder Order)> PlaceAsync(string amount = "100")
    {
        var shop = await App.CreateResellerAsync(1_000m);
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", amount), ("operator", "GP")]);
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();
        return (shop, await ReadAsync(orderNumber));
    }

    private Task<RechargeOrder> ReadAsync(string orderNumber) =>
        App.WithDbAsync(db => db.RechargeOrders.AsNoTracking().SingleAsync(o => o.OrderNumber == orderNumber));

    private async Task<(RechargeSuccessStatement.Outcome Outcome, string? RewardResult)> RunStatementAsync(long orderId, DateTime now)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
        await db.Database.OpenConnectionAsync();
        return await RechargeSuccessStatement.RunAsync(db, orderId, "OP-1", now, CancellationToken.None);
    }

    private Task<decimal?> LifetimePointsAsync(int resellerId) => App.WithDbAsync(db => db.ResellerRewardAccounts.AsNoTracking()
        .Where(a => a.ResellerId == resellerId).Select(a => (decimal?)a.LifetimePoints).SingleOrDefaultAsync());

    [Theory]
    [InlineData("100", 0)]
    [InlineData("100", 1)]
    [InlineData("555.55", 0)]
    public async Task It_settles_a_success_as_the_full_settlement_does_with_the_same_reward_block_byte_for_byte(string amount, int earlier)
    {
        var (full, fullOrder) = await PlaceAsync(amount);
        var (quick, quickOrder) = await PlaceAsync(amount);
        // Both resellers with the same points before (none, or one earlier success each), so both reach the same level.
        for (var i = 0; i < earlier; i++)
        {
            await CompleteAsync((await PlaceForAsync(full)).OrderNumber);
            await CompleteAsync((await PlaceForAsync(quick)).OrderNumber);
        }

        await CompleteAsync(fullOrder.OrderNumber);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
            await db.Database.OpenConnectionAsync();
            var settled = await scope.ServiceProvider.GetRequiredService<RechargeSettlement>().SucceedAsync(quickOrder, "OP-1", CancellationToken.None);
            Assert.NotNull(settled);
            Assert.Equal(RechargeStatus.Success, settled.Status);
        }

        var byFull = await ReadAsync(fullOrder.OrderNumber);
        var byQuick = await ReadAsync(quickOrder.OrderNumber);
        Assert.NotNull(byFull.RewardResult);
        Assert.Equal(byFull.RewardResult, byQuick.RewardResult);
        foreach (var order in new[] { byFull, byQuick })
        {
            Assert.Equal(RechargeStatus.Success, order.Status);
            Assert.Equal(RechargeStage.Done, order.Stage);
            Assert.Equal("OP-1", order.OperatorTransactionId);
            Assert.NotNull(order.CompletedAt);
            Assert.Null(order.NextAttemptAt);
            Assert.Null(order.LeaseOwner);
            Assert.Null(order.LeaseExpiresAt);
            Assert.Null(order.RefundJournalId);
        }
        Assert.Equal(await LifetimePointsAsync(full.Id), await LifetimePointsAsync(quick.Id));
        Assert.Equal(decimal.Round(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture) * (earlier + 1) * 0.005m, 2, MidpointRounding.ToZero),
            await LifetimePointsAsync(quick.Id));
        // The reseller sees the same reply shape for either.
        Assert.Equal(RechargeReplies.For(byFull, "Test Shop")["reward"]!.ToJsonString(), RechargeReplies.For(byQuick, "Test Shop")["reward"]!.ToJsonString());
    }

    private async Task<RechargeOrder> PlaceForAsync(TestReseller shop)
    {
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "100"), ("operator", "GP")]);
        Assert.Equal(200, status);
        return await ReadAsync(body["order_number"]!.GetValue<string>());
    }

    private async Task CompleteAsync(string orderNumber)
    {
        using var admin = App.Admin();
        var response = await admin.PostAsJsonAsync($"/admin/v1/recharges/{orderNumber}/complete", new { operator_transaction_id = "OP-1" });
        Assert.Equal(204, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_settled_order_is_not_open_to_it_and_its_points_are_granted_once()
    {
        var (shop, order) = await PlaceAsync();
        var first = await RunStatementAsync(order.Id, DateTime.UtcNow);
        Assert.Equal(RechargeSuccessStatement.Outcome.Settled, first.Outcome);
        Assert.Equal(0.50m, await LifetimePointsAsync(shop.Id));

        var second = await RunStatementAsync(order.Id, DateTime.UtcNow);
        Assert.Equal((RechargeSuccessStatement.Outcome.NotOpen, (string?)null), second);
        Assert.Equal(0.50m, await LifetimePointsAsync(shop.Id));
        Assert.Equal(first.RewardResult, (await ReadAsync(order.OrderNumber)).RewardResult);
    }

    [Fact]
    public async Task An_order_under_a_live_lease_is_not_open_to_it_and_nothing_is_written()
    {
        var (shop, order) = await PlaceAsync();
        var now = DateTime.UtcNow;
        await Sql.ExecuteAsync(App, $"UPDATE recharge_orders SET lease_owner = 'reconciler-1', lease_expires_at = now() + interval '1 minute' WHERE id = {order.Id}");

        Assert.Equal((RechargeSuccessStatement.Outcome.NotOpen, (string?)null), await RunStatementAsync(order.Id, now));
        var after = await ReadAsync(order.OrderNumber);
        Assert.Equal(RechargeStatus.Processing, after.Status);
        Assert.Null(after.RewardResult);
        Assert.Null(await LifetimePointsAsync(shop.Id));

        // Once the lease has run out, it is open again.
        Assert.Equal(RechargeSuccessStatement.Outcome.Settled, (await RunStatementAsync(order.Id, now.AddMinutes(2))).Outcome);
    }

    [Fact]
    public async Task An_order_whose_reseller_has_an_enabled_endpoint_is_left_for_the_full_settlement_and_then_settled_with_its_callback()
    {
        var (shop, order) = await PlaceAsync();
        await App.WithDbAsync(async db =>
        {
            db.Set<WebhookEndpoint>().Add(new WebhookEndpoint
            {
                ResellerId = shop.Id, Url = "https://shop.example/hooks", Events = WebhookEvents.RechargeSucceeded, Status = WebhookEndpointStatus.Enabled, Secret = "whsec-test",
            });
            return await db.SaveChangesAsync();
        });

        Assert.Equal((RechargeSuccessStatement.Outcome.NeedsCallback, (string?)null), await RunStatementAsync(order.Id, DateTime.UtcNow));
        var untouched = await ReadAsync(order.OrderNumber);
        Assert.Equal(RechargeStatus.Processing, untouched.Status);
        Assert.Null(untouched.RewardResult);
        Assert.Null(await LifetimePointsAsync(shop.Id));

        // The request thread's entry falls through to the full settlement, which writes the callback event.
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
            await db.Database.OpenConnectionAsync();
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<RechargeSettlement>().SucceedAsync(order, "OP-1", CancellationToken.None));
        }
        Assert.Equal(RechargeStatus.Success, (await ReadAsync(order.OrderNumber)).Status);
        Assert.Equal(0.50m, await LifetimePointsAsync(shop.Id));
        Assert.Equal(1, await App.WithDbAsync(db => db.Set<WebhookDelivery>().CountAsync(d => d.ResellerId == shop.Id && d.EventType == WebhookEvents.RechargeSucceeded)));
    }
}
