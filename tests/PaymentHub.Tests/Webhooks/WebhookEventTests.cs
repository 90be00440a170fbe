using System.Net.Http.Json;
using System.Text.Json.Nodes;
using PaymentHub.Funding;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Webhooks;

/// <summary>Recharge and top-up events: written with their settlement, their data exactly what the reseller's status calls return.</summary>
public sealed class WebhookEventTests(WebhookEventTests.Gateway gateway) : IClassFixture<WebhookEventTests.Gateway>, IAsyncLifetime
{
    /// <summary>GP recharges through the sandbox. Each test makes its own reseller and endpoint, and drains what it raised.</summary>
    public sealed class Gateway() : WebhookGateway("webhooks_events")
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            using var admin = App.Admin();
            using var patch = await admin.PatchAsJsonAsync("/admin/v1/operators/GP", new { connector = "sandbox" });
            Assert.True(patch.IsSuccessStatusCode, await patch.Content.ReadAsStringAsync());
        }
    }

    private readonly PaymentHubApp _app = gateway.App;
    private WireMockScope _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WireMockScope.StartAsync("events");
        _receiver.Answer(200);
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private List<JsonNode> Received() => _receiver.Hooks().Select(h => JsonNode.Parse(h.Body)!).ToList();

    [Theory]
    [InlineData("01712345678", "recharge.succeeded", new[] { "wallet.debited", "recharge.succeeded" })]
    [InlineData("01712340000", "recharge.failed", new[] { "wallet.debited", "wallet.credited", "recharge.failed" })]
    public async Task A_recharge_settled_in_the_request_raises_its_event_with_the_status_check_object(string phone, string type, string[] expected)
    {
        var shop = await _app.CreateResellerAsync(500m, "Recharge Shop " + type);
        await _app.CreateEndpointAsync(shop.Id, _receiver.HookUrl(), "*");
        var (status, recharge) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", "50"), ("operator", "GP")]);
        Assert.Equal(200, status);
        var orderNumber = recharge["order_number"]!.GetValue<string>();

        await _app.DrainAsync();
        var events = Received().Where(e => e["data"]!["order_number"]?.GetValue<string>() == orderNumber
                                           || e["data"]!["reference"]?.GetValue<string>() == orderNumber).ToList();
        Assert.Equal(expected, events.Select(e => e["type"]!.GetValue<string>()));
        var (_, statusCheck) = await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("order_number", orderNumber)]);
        var data = events.Single(e => e["type"]!.GetValue<string>() == type)["data"]!;
        Assert.True(JsonNode.DeepEquals(statusCheck, data), $"{statusCheck.ToJsonString()} != {data.ToJsonString()}");
    }

    [Fact]
    public async Task Approving_and_rejecting_top_ups_raise_topup_completed_and_topup_failed()
    {
        var shop = await _app.CreateResellerAsync(0m, "Top-up Shop");
        await _app.CreateEndpointAsync(shop.Id, _receiver.HookUrl(), "topup.completed", "topup.failed", "wallet.credited");
        var approved = await InReviewAsync(shop.Id, 120m);
        var rejected = await InReviewAsync(shop.Id, 80m);
        await _app.AdminPostAsync($"/admin/v1/topups/{approved}/approve", new { note = "seen in the merchant panel" });
        await _app.AdminPostAsync($"/admin/v1/topups/{rejected}/reject", new { note = "not paid" });

        await _app.DrainAsync();
        var events = Received();
        Assert.Equal(new[] { "topup.completed", "topup.failed", "wallet.credited" }, events.Select(e => e["type"]!.GetValue<string>()).Order());
        foreach (var (reference, type) in new[] { (approved, "topup.completed"), (rejected, "topup.failed") })
        {
            var (_, topUpStatus) = await shop.PostFormAsync("/api/wallet.php?action=topup_status", [("topup_id", reference)]);
            var data = events.Single(e => e["type"]!.GetValue<string>() == type)["data"]!;
            Assert.Equal(reference, data["topup_id"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(topUpStatus, data), $"{topUpStatus.ToJsonString()} != {data.ToJsonString()}");
        }
        Assert.Equal(120m, await shop.BalanceAsync());
    }

    private Task<string> InReviewAsync(int resellerId, decimal amount) => _app.WithDbAsync(async db =>
    {
        var now = gateway.Clock.GetUtcNow().UtcDateTime;
        var row = new TopUp
        {
            Reference = TopUpGateways.NewReference(), ResellerId = resellerId, Gateway = FundingGateway.ShurjoPay, Amount = amount, Currency = "BDT",
            Status = TopUpStatus.Review, GatewayOrderId = $"sp-webhook-{Guid.NewGuid():N}", ReviewReason = "webhook test", InitiatedBy = "reseller",
            CreatedAt = now, UpdatedAt = now, ExpiresAt = now.AddDays(1),
        };
        db.TopUps.Add(row);
        await db.SaveChangesAsync();
        return row.Reference;
    });
}
