using System.Text.Json.Nodes;
using PaymentHub.Tests.Connectors.Nurr;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors;

/// <summary>Two PaymentHub instances chained through the nurr connector (<see cref="NurrChain"/>).</summary>
[RunsLong(40)]
public sealed class NurrChainTests(NurrChainTests.Chain chain) : IClassFixture<NurrChainTests.Chain>
{
    /// <summary>
    /// One chain for the class. Each test makes its own shops and services and measures the hub account by difference; the
    /// one that drains the hub account refills it before it ends.
    /// </summary>
    public sealed class Chain : IAsyncLifetime
    {
        public NurrChain Hubs { get; private set; } = null!;

        public async Task InitializeAsync() => Hubs = await NurrChain.StartAsync("nurr");

        public async Task DisposeAsync() => await Hubs.DisposeAsync();
    }

    private readonly PaymentHubApp _upstream = chain.Hubs.Upstream;
    private readonly PaymentHubApp _downstream = chain.Hubs.Downstream;
    private readonly TestReseller _hubAccount = chain.Hubs.HubAccount;
    private readonly int _upstreamProvider = chain.Hubs.UpstreamProvider;
    private readonly int _upstreamService = chain.Hubs.UpstreamService;

    [Fact]
    public async Task A_recharge_is_forwarded_and_both_ledgers_move()
    {
        var shop = await _downstream.CreateResellerAsync(500m, "Corner Shop");
        var hubBefore = await _hubAccount.BalanceAsync();
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "100"), ("operator", "GP")]);
        Assert.Equal(200, status);
        Assert.Equal("Success", body["status"]!.GetValue<string>());
        Assert.StartsWith("SBX", body["operator_transaction_id"]!.GetValue<string>());
        Assert.Equal(401m, await shop.BalanceAsync());
        Assert.Equal(hubBefore - 99m, await _hubAccount.BalanceAsync());
        var upstreamOrders = await _upstream.AdminGetAsync($"/admin/v1/recharges?reseller_id={_hubAccount.Id}");
        Assert.Contains(upstreamOrders.AsArray(), o => o!["phone"]!.GetValue<string>() == "01712345678" && o["status"]!.GetValue<string>() == "Success");
    }

    [Fact]
    public async Task An_upstream_failure_fails_and_refunds_downstream()
    {
        var shop = await _downstream.CreateResellerAsync(500m, "Unlucky Shop");
        var hubBefore = await _hubAccount.BalanceAsync();
        var (_, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01912340000"), ("amount", "100"), ("operator", "BL")]);
        Assert.Equal("Failed", body["status"]!.GetValue<string>());
        Assert.Equal("Something wrong please try again later.", body["failure_reason"]!.GetValue<string>());
        Assert.Equal(500m, await shop.BalanceAsync());
        Assert.Equal(hubBefore, await _hubAccount.BalanceAsync());
    }

    [Fact]
    public async Task An_upstream_timeout_is_resolved_through_the_upstreams_status_query()
    {
        var shop = await _downstream.CreateResellerAsync(500m, "Patient Shop");
        var (_, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712349999"), ("amount", "50"), ("operator", "GP")]);
        Assert.Equal("Processing", body["status"]!.GetValue<string>());
        var orderNumber = body["order_number"]!.GetValue<string>();

        JsonNode final;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(300);
            final = (await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("order_number", orderNumber)])).Body;
        }
        while (final["status"]!.GetValue<string>() == "Processing" && DateTime.UtcNow < deadline);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        // Sent once upstream, however many status queries it took.
        var upstreamOrders = await _upstream.AdminGetAsync($"/admin/v1/recharges?reseller_id={_hubAccount.Id}&phone=01712349999");
        Assert.Single(upstreamOrders.AsArray());
    }

    [Fact]
    public async Task Upstream_refusals_such_as_its_own_insufficient_balance_fail_the_recharge()
    {
        var shop = await _downstream.CreateResellerAsync(5_000m, "Big Shop");
        var hubBalance = await _hubAccount.BalanceAsync();
        await _upstream.AdminPostAsync($"/admin/v1/resellers/{_hubAccount.Id}/wallet/debits", new { amount = hubBalance - 10m, note = "test drain" });
        try
        {
            var (_, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345000"), ("amount", "100"), ("operator", "GP")]);
            Assert.Equal("Failed", body["status"]!.GetValue<string>());
            Assert.Equal("Upstream refused: Insufficient balance.", body["failure_reason"]!.GetValue<string>());
            Assert.Equal(5_000m, await shop.BalanceAsync());
            Assert.Equal(10m, await _hubAccount.BalanceAsync());
        }
        finally
        {
            await _upstream.AdminPostAsync($"/admin/v1/resellers/{_hubAccount.Id}/wallet/credits", new { amount = hubBalance - 10m, note = "test refill" });
        }
    }

    [Fact]
    public async Task Bill_orders_are_submitted_upstream_and_followed_to_success()
    {
        var (providerId, serviceId) = await _downstream.CreateServiceAsync(connector: "nurr", moduleFields: "meter_number,bill_month", provider: "Chained DESCO",
            productCode: $"{_upstreamProvider}:{_upstreamService}");
        var shop = await _downstream.CreateResellerAsync(500m, "Bill Shop");
        var (status, body) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "200"), ("meter_number", "123456789"), ("bill_month", "2026-04"));
        Assert.Equal(200, status);
        var orderNumber = body["order_number"]!.GetValue<string>();

        JsonNode final;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(300);
            final = (await shop.BillAsync("status_check", ("order_number", orderNumber))).Body;
        }
        while (final["status"]!.GetValue<string>() == "Processing" && DateTime.UtcNow < deadline);
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d{4}-\d{4}-\d{4}-\d{4}$", final["token_number"]!.GetValue<string>());
        Assert.Equal(300m, await shop.BalanceAsync());
        var upstreamOrders = await _upstream.AdminGetAsync($"/admin/v1/orders?reseller_id={_hubAccount.Id}");
        Assert.Single(upstreamOrders.AsArray(), o => o!["module_data"]!["meter_number"]!.GetValue<string>() == "123456789");
    }

    [Fact]
    public async Task Bill_orders_the_upstream_cancels_are_cancelled_and_refunded()
    {
        var (providerId, serviceId) = await _downstream.CreateServiceAsync(connector: "nurr", moduleFields: "meter_number,bill_month", provider: "Chained NESCO",
            productCode: $"{_upstreamProvider}:{_upstreamService}");
        var shop = await _downstream.CreateResellerAsync(500m, "Cancel Shop");
        var orderNumber = (await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "100"), ("meter_number", "99990000"), ("bill_month", "2026-04"))).Body["order_number"]!.GetValue<string>();
        JsonNode final;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(300);
            final = (await shop.BillAsync("status_check", ("order_number", orderNumber))).Body;
        }
        while (final["status"]!.GetValue<string>() == "Processing" && DateTime.UtcNow < deadline);
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal("Invalid customer information", final["cancel_note"]!.GetValue<string>());
        Assert.Equal(500m, await shop.BalanceAsync());
    }
}
