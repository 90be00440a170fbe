using System.Text.Json.Nodes;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Webhooks;

/// <summary>The outbox is shared through the database: a restart loses nothing, two instances never send one event twice.</summary>
public sealed class WebhookInstanceTests
{
    [Fact]
    public async Task A_gateway_restarted_in_the_middle_of_a_backoff_delivers_the_event_afterwards()
    {
        var clock = WebhookHarness.NewClock();
        await using var receiver = await WireMockScope.StartAsync("restart");
        receiver.Answer(503, "busy");
        var first = await WebhookHarness.StartAsync("webhooks_restart", clock);
        var database = first.ConnectionString;
        var shop = await first.CreateResellerAsync(0m, "Restart Shop");
        var (endpointId, secret) = await first.CreateEndpointAsync(shop.Id, receiver.HookUrl(), "wallet.credited");
        await first.CreditAsync(shop.Id, 75m);
        Assert.Equal(1, await first.RunSenderAsync());
        await first.DisposeAsync();

        receiver.Answer(200);
        clock.Advance(TimeSpan.FromMinutes(10));
        var second = await WebhookHarness.StartAsync("webhooks_restart", clock, sharedDatabase: database);
        try
        {
            await second.DrainAsync();
            var hooks = receiver.Hooks();
            Assert.Equal(2, hooks.Count);
            Assert.Equal(hooks[0].Body, hooks[1].Body);
            Assert.True(WebhookHarness.Verifies(hooks[1], secret));
            var delivery = Assert.Single(await second.DeliveriesAsync(endpointId))!;
            Assert.Equal("delivered", delivery["status"]!.GetValue<string>());
            Assert.Equal([503, 200], delivery["attempt_log"]!.AsArray().Select(a => a!["status_code"]!.GetValue<int>()));
            await second.AssertLedgerOkAsync();
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_instances_on_one_database_deliver_each_event_exactly_once()
    {
        var clock = WebhookHarness.NewClock();
        await using var receiver = await WireMockScope.StartAsync("twins");
        receiver.Answer(200, "ok", delayMs: 50);
        var a = await WebhookHarness.StartAsync("webhooks_twins", clock);
        var b = await WebhookHarness.StartAsync("webhooks_twins", clock, sharedDatabase: a.ConnectionString);
        try
        {
            var shops = new List<TestReseller>();
            for (var i = 0; i < 3; i++)
            {
                var shop = await a.CreateResellerAsync(0m, $"Twin Shop {i}");
                await a.CreateEndpointAsync(shop.Id, receiver.HookUrl(), "wallet.credited");
                shops.Add(shop);
            }
            for (var i = 0; i < 30; i++)
            {
                await (i % 2 == 0 ? a : b).CreditAsync(shops[i % 3].Id, 1m + i);
            }

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (receiver.Hooks().Count < 30 && DateTime.UtcNow < deadline)
            {
                await Task.WhenAll(a.RunSenderAsync(), b.RunSenderAsync(), a.RunSenderAsync(), b.RunSenderAsync());
            }
            await Task.WhenAll(a.RunSenderAsync(), b.RunSenderAsync());

            var eventIds = receiver.Hooks().Select(h => JsonNode.Parse(h.Body)!["event_id"]!.GetValue<string>()).ToList();
            Assert.Equal(30, eventIds.Count);
            Assert.Equal(30, eventIds.Distinct().Count());
            var attempts = await a.WithDbAsync(db => Task.FromResult(db.WebhookAttempts.Count()));
            Assert.Equal(30, attempts);
        }
        finally
        {
            await b.DisposeAsync();
            await a.AssertLedgerOkAsync();
            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_wallet_without_endpoints_is_remembered_until_an_endpoint_is_added_here_or_the_time_runs_out_elsewhere()
    {
        var clockA = WebhookHarness.NewClock();
        var a = await WebhookHarness.StartAsync("webhooks_none", clockA);
        var b = await WebhookHarness.StartAsync("webhooks_none", WebhookHarness.NewClock(), sharedDatabase: a.ConnectionString);
        try
        {
            var elsewhere = await a.CreateResellerAsync(0m, "Subscribes Elsewhere");
            var here = await a.CreateResellerAsync(0m, "Subscribes Here");
            // A posting while it has no endpoint: A remembers that for Webhooks:NoEndpointCacheSeconds (5).
            await a.CreditAsync(elsewhere.Id, 1m);

            await b.CreateEndpointAsync(elsewhere.Id, "http://127.0.0.1:9/hook", "wallet.credited");
            await a.CreditAsync(elsewhere.Id, 2m);
            Assert.Equal(0, await DeliveriesAsync(a, elsewhere.Id));
            clockA.Advance(TimeSpan.FromSeconds(5));
            await a.CreditAsync(elsewhere.Id, 3m);
            Assert.Equal(1, await DeliveriesAsync(a, elsewhere.Id));

            // Added on A itself, the endpoint counts at once.
            await a.CreditAsync(here.Id, 1m);
            await a.CreateEndpointAsync(here.Id, "http://127.0.0.1:9/hook", "wallet.credited");
            await a.CreditAsync(here.Id, 4m);
            Assert.Equal(1, await DeliveriesAsync(a, here.Id));
        }
        finally
        {
            await a.AssertLedgerOkAsync();
            await b.DisposeAsync();
            await a.DisposeAsync();
        }
    }

    private static Task<int> DeliveriesAsync(PaymentHubApp app, int resellerId) =>
        app.WithDbAsync(db => Task.FromResult(db.WebhookDeliveries.Count(d => d.ResellerId == resellerId && d.EventType == "wallet.credited")));
}
