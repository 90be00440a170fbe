using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Bills;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

/// <summary>
/// One lease rule for bill orders and recharges: a lease is held while its expiry has not passed, whatever the owner
/// column says. An operator may not settle an order a worker holds, and may settle one whose lease ran out. A worker
/// settles only what its own lease names.
/// </summary>
public sealed class OperatorLeaseTests(GatewayFixture fixture) : GatewayTest(fixture, "operator_leases"), IClassFixture<GatewayFixture>
{
    public static TheoryData<string?, int?, bool> Leases() => new()
    {
        // owner, expiry (minutes from now), may the operator settle?
        { "worker-a", 5, false },
        { null, 5, false },
        { "worker-a", -1, true },
        { "worker-a", null, true },
        { null, null, true },
    };

    [Theory]
    [MemberData(nameof(Leases))]
    public async Task A_bill_order_is_settled_by_an_operator_only_when_no_lease_holds_it(string? owner, int? expiresInMinutes, bool settles)
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: $"Lease{Guid.NewGuid():N}"[..20]);
        var shop = await App.CreateResellerAsync(1_000m);
        var (_, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "100"), ("meter_number", "123456"));
        var orderNumber = body["order_number"]!.GetValue<string>();
        var expires = expiresInMinutes is { } minutes ? DateTime.UtcNow.AddMinutes(minutes) : (DateTime?)null;
        await App.WithDbAsync(db => db.BillOrders.Where(o => o.OrderNumber == orderNumber)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseOwner, owner).SetProperty(o => o.LeaseExpiresAt, expires)));

        using var admin = App.Admin();
        var response = await admin.PostAsJsonAsync($"/admin/v1/orders/{orderNumber}/cancel", new { cancel_note = "operator" });
        Assert.Equal(settles ? HttpStatusCode.OK : HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(settles ? 1_000m : 900m, await shop.BalanceAsync());
    }

    [Theory]
    [MemberData(nameof(Leases))]
    public async Task A_recharge_is_settled_by_an_operator_only_when_no_lease_holds_it(string? owner, int? expiresInMinutes, bool settles)
    {
        var shop = await App.CreateResellerAsync(1_000m);
        // A new database routes every operator to the manual connector: the recharge waits for the operator.
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "100"), ("operator", "GP")]);
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();
        var expires = expiresInMinutes is { } minutes ? DateTime.UtcNow.AddMinutes(minutes) : (DateTime?)null;
        await App.WithDbAsync(db => db.RechargeOrders.Where(o => o.OrderNumber == orderNumber)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseOwner, owner).SetProperty(o => o.LeaseExpiresAt, expires)));
        var debited = await shop.BalanceAsync();

        using var admin = App.Admin();
        var response = await admin.PostAsJsonAsync($"/admin/v1/recharges/{orderNumber}/fail", new { reason = "operator" });
        Assert.Equal(settles ? HttpStatusCode.NoContent : HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(settles ? 1_000m : debited, await shop.BalanceAsync());
        Assert.True(debited < 1_000m);
    }

    public static TheoryData<string?, int?, string, bool> WorkerLeases() => new()
    {
        // the order's lease owner and expiry (minutes from now), the settling worker, may it settle?
        { "worker-a", 5, "worker-a", true },
        { "worker-a", -1, "worker-a", true },
        { "worker-a", 5, "worker-b", false },
        { "worker-a", -1, "worker-b", false },
        { null, null, "worker-a", false },
    };

    [Theory]
    [MemberData(nameof(WorkerLeases))]
    public async Task A_worker_settles_a_bill_order_or_a_recharge_only_under_its_own_lease(string? owner, int? expiresInMinutes, string worker, bool settles)
    {
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: $"Lease{Guid.NewGuid():N}"[..20]);
        var shop = await App.CreateResellerAsync(1_000m);
        var (_, bill) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "100"), ("meter_number", "123456"));
        var billNumber = bill["order_number"]!.GetValue<string>();
        var (_, recharge) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "100"), ("operator", "GP")]);
        var rechargeNumber = recharge["order_number"]!.GetValue<string>();
        var expires = expiresInMinutes is { } minutes ? DateTime.UtcNow.AddMinutes(minutes) : (DateTime?)null;
        await App.WithDbAsync(async db =>
        {
            await db.BillOrders.Where(o => o.OrderNumber == billNumber)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseOwner, owner).SetProperty(o => o.LeaseExpiresAt, expires));
            return await db.RechargeOrders.Where(o => o.OrderNumber == rechargeNumber)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.LeaseOwner, owner).SetProperty(o => o.LeaseExpiresAt, expires));
        });
        var debited = await shop.BalanceAsync();
        var rechargeId = await App.WithDbAsync(db => db.RechargeOrders.Where(o => o.OrderNumber == rechargeNumber).Select(o => o.Id).SingleAsync());

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var bills = scope.ServiceProvider.GetRequiredService<BillOrderSettlement>();
            Assert.Equal(settles ? SettlementResult.Settled : SettlementResult.Busy,
                await bills.CancelAsync(billNumber, "worker", worker, CancellationToken.None));
            var recharges = scope.ServiceProvider.GetRequiredService<RechargeSettlement>();
            var settled = await recharges.FailAsync(rechargeId, "worker", worker, CancellationToken.None);
            Assert.Equal(settles, settled is not null);
        }
        Assert.Equal(settles ? 1_000m : debited, await shop.BalanceAsync());
        Assert.True(debited < 900m);
        var statuses = await App.WithDbAsync(async db => (
            await db.BillOrders.Where(o => o.OrderNumber == billNumber).Select(o => o.Status.ToString()).SingleAsync(),
            await db.RechargeOrders.Where(o => o.OrderNumber == rechargeNumber).Select(o => o.Status.ToString()).SingleAsync()));
        Assert.Equal(settles ? ("Cancelled", "Failed") : ("Processing", "Processing"), statuses);
    }
}
