using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// A recharge whose request fails after its debit committed: the reseller is told about the order (never "failed"),
/// a retry with the same request_id reports that order and charges nothing, and an answer that was never stored does
/// not leave the key answering 409 for ever.
/// </summary>
public sealed class RechargeFailureTests : IAsyncLifetime
{
    private PaymentHubApp _app = null!;

    /// <summary>A connector that throws something no connector is expected to throw, after the money moved.</summary>
    private sealed class ExplodingConnector : IRechargeConnector
    {
        public string Name => "exploding";
        public bool CanCheckStatus => true;
        public bool IsConfigured => true;
        public int Calls;

        public Task<RechargeOutcome> RechargeAsync(RechargeWork work, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException("Connector bug after the money moved.");
        }

        public Task<RechargeOutcome> CheckAsync(RechargeWork work, CancellationToken ct) =>
            Task.FromResult<RechargeOutcome>(new RechargeOutcome.Unknown("still unknown"));
    }

    private readonly ExplodingConnector _connector = new();

    public async Task InitializeAsync()
    {
        _app = await PaymentHubApp.StartAsync("recharge_failure", new Dictionary<string, string?> { ["Recharge:ResolveAfterSeconds"] = "60" },
            services => services.AddSingleton<IRechargeConnector>(_connector));
        using var admin = _app.Admin();
        Assert.Equal(200, (int)(await admin.PatchAsync("/admin/v1/operators/RB", JsonContent.Create(new { connector = "exploding" }))).StatusCode);
        Assert.Equal(200, (int)(await admin.PatchAsync("/admin/v1/operators/GP", JsonContent.Create(new { connector = "sandbox" }))).StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _app.AssertLedgerOkAsync();
        await _app.DisposeAsync();
    }

    private static Task<(int Status, JsonNode Body)> RechargeAsync(TestReseller shop, string phone, string op, string requestId) =>
        shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", "100"), ("operator", op), ("request_id", requestId)]);

    [Fact]
    public async Task A_connector_that_throws_leaves_the_order_processing_and_a_retry_reports_it_without_a_second_debit()
    {
        var shop = await _app.CreateResellerAsync(500m);
        var first = await RechargeAsync(shop, "01812345678", "RB", "boom-1");
        Assert.Equal(200, first.Status);
        Assert.Equal("Processing", first.Body["status"]!.GetValue<string>());
        Assert.Equal("401.00", first.Body["after_balance"]!.GetValue<string>());
        var orderNumber = first.Body["order_number"]!.GetValue<string>();

        var retry = await RechargeAsync(shop, "01812345678", "RB", "boom-1");
        Assert.Equal(200, retry.Status);
        Assert.Equal(first.Body.ToJsonString(), retry.Body.ToJsonString());
        Assert.Equal(1, _connector.Calls);
        Assert.Equal(401m, await shop.BalanceAsync());
        var order = await _app.WithDbAsync(db => db.RechargeOrders.SingleAsync(o => o.ResellerId == shop.Id));
        Assert.Equal((RechargeStatus.Processing, orderNumber), (order.Status, order.OrderNumber));
        Assert.NotNull(order.NextAttemptAt);
        Assert.Contains("is debited but sending or settling it failed", _app.ReadLog());

        // It is resolved like any unknown outcome; the reply never said it failed, so nobody sent it again.
        await _app.AdminPostAsync($"/admin/v1/recharges/{orderNumber}/fail", new { reason = "Operator says not delivered" }, 204);
        var status = (await shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("request_id", "boom-1")])).Body;
        Assert.Equal("Failed", status["status"]!.GetValue<string>());
        Assert.Equal(500m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task An_answer_that_was_never_stored_is_409_while_the_request_may_run_then_the_existing_order()
    {
        var shop = await _app.CreateResellerAsync(500m);
        var first = await RechargeAsync(shop, "01712345678", "GP", "lost-1");
        Assert.Equal("Success", first.Body["status"]!.GetValue<string>());
        var orderNumber = first.Body["order_number"]!.GetValue<string>();
        // As if the request had died between its commit and storing its answer (a crash, the database gone).
        await Sql.ExecuteAsync(_app, $"UPDATE idempotency_records SET response_status = NULL, response_body = NULL WHERE reseller_id = {shop.Id}");

        var whileRunning = await RechargeAsync(shop, "01712345678", "GP", "lost-1");
        Assert.Equal(409, whileRunning.Status);
        Assert.Equal(401m, await shop.BalanceAsync());

        await Sql.ExecuteAsync(_app, $"UPDATE idempotency_records SET created_at = created_at - interval '2 minutes' WHERE reseller_id = {shop.Id}");
        var afterwards = await RechargeAsync(shop, "01712345678", "GP", "lost-1");
        Assert.Equal(200, afterwards.Status);
        Assert.Equal(orderNumber, afterwards.Body["order_number"]!.GetValue<string>());
        Assert.Equal("Success", afterwards.Body["status"]!.GetValue<string>());
        Assert.Equal(first.Body["reward"]!.ToJsonString(), afterwards.Body["reward"]!.ToJsonString());
        var stored = await _app.WithDbAsync(db => db.IdempotencyRecords.SingleAsync(r => r.ResellerId == shop.Id));
        Assert.Equal(200, stored.ResponseStatus);
        Assert.Equal(afterwards.Body.ToJsonString(), JsonNode.Parse(stored.ResponseBody!)!.ToJsonString());

        Assert.Equal(afterwards.Body.ToJsonString(), (await RechargeAsync(shop, "01712345678", "GP", "lost-1")).Body.ToJsonString());
        Assert.Equal(422, (await shop.PostFormAsync("/api/mobile-recharge.php",
            [("phone", "01712345678"), ("amount", "50"), ("operator", "GP"), ("request_id", "lost-1")])).Status);
        Assert.Equal(401m, await shop.BalanceAsync());
        Assert.Equal(1, await _app.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.ResellerId == shop.Id)));
    }
}
