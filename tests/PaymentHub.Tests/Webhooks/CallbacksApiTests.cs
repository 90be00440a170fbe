using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Webhooks;

/// <summary>callbacks.php: a reseller manages its own endpoints and sees its own deliveries, with nurr-style errors.</summary>
public sealed class CallbacksApiTests(CallbacksApiTests.Gateway gateway) : IClassFixture<CallbacksApiTests.Gateway>, IAsyncLifetime
{
    /// <summary>Only one test makes an endpoint, and each makes its own resellers.</summary>
    public sealed class Gateway() : WebhookGateway("webhooks_callbacks");

    private readonly PaymentHubApp _app = gateway.App;
    private WireMockScope _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WireMockScope.StartAsync("callbacks");

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static Task<(int Status, System.Text.Json.Nodes.JsonNode Body)> CallAsync(TestReseller shop, string action, params (string, string)[] fields) =>
        shop.PostFormAsync($"/api/callbacks.php?action={action}", fields);

    [Fact]
    public async Task A_reseller_creates_lists_rotates_inspects_redelivers_and_deletes_its_callbacks()
    {
        _receiver.Answer(200);
        var shop = await _app.CreateResellerAsync(0m, "Callback Shop");
        var other = await _app.CreateResellerAsync(0m, "Other Shop");

        var (status, created) = await CallAsync(shop, "callback_create", ("url", _receiver.HookUrl()), ("events", "wallet.credited,topup.completed"));
        Assert.Equal(200, status);
        var id = created["callback"]!["id"]!.GetValue<long>().ToString();
        var secret = created["callback"]!["signing_secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(new[] { "topup.completed", "wallet.credited" }, created["callback"]!["events"]!.AsArray().Select(e => e!.GetValue<string>()));

        var (_, list) = await CallAsync(shop, "callback_list");
        Assert.Single(list["callbacks"]!.AsArray());
        Assert.DoesNotContain(secret, list.ToJsonString());
        var (_, othersList) = await CallAsync(other, "callback_list");
        Assert.Empty(othersList["callbacks"]!.AsArray());
        Assert.Equal(404, (await CallAsync(other, "callback_deliveries", ("callback_id", id))).Status);

        await _app.CreditAsync(shop.Id, 12m);
        await _app.RunSenderAsync();
        var hook = Assert.Single(_receiver.Hooks());
        Assert.True(WebhookHarness.Verifies(hook, secret));

        var (_, deliveries) = await CallAsync(shop, "callback_deliveries", ("callback_id", id));
        var delivery = deliveries["deliveries"]!.AsArray().Single()!;
        Assert.Equal("delivered", delivery["status"]!.GetValue<string>());
        var eventId = delivery["event_id"]!.GetValue<string>();
        Assert.Equal(200, delivery["attempt_log"]![0]!["status_code"]!.GetValue<int>());

        var (redeliverStatus, redelivered) = await CallAsync(shop, "callback_redeliver", ("callback_id", id), ("event_id", eventId));
        Assert.Equal(200, redeliverStatus);
        Assert.Equal(1, redelivered["redelivered"]!.GetValue<int>());
        await _app.RunSenderAsync();
        Assert.Equal(2, _receiver.Hooks().Count);
        Assert.Equal(_receiver.Hooks()[0].Body, _receiver.Hooks()[1].Body);

        var (_, rotated) = await CallAsync(shop, "callback_rotate", ("callback_id", id));
        var newSecret = rotated["callback"]!["signing_secret"]!.GetValue<string>();
        Assert.NotEqual(secret, newSecret);

        Assert.Equal(404, (await CallAsync(other, "callback_delete", ("callback_id", id))).Status);
        Assert.Equal(200, (await CallAsync(shop, "callback_delete", ("callback_id", id))).Status);
        var (_, empty) = await CallAsync(shop, "callback_list");
        Assert.Empty(empty["callbacks"]!.AsArray());
        Assert.Equal(12m, await shop.BalanceAsync());
    }

    [Theory]
    [InlineData("callback_create", "url", "https://example.com/hook", "events", "wallet.exploded", 422, "Invalid events.")]
    [InlineData("callback_create", "url", "ftp://example.com/hook", "events", "*", 422, "The url must use https.")]
    [InlineData("callback_create", "url", "https://example.com/hook", "x", "y", 422, "Missing required parameters.")]
    [InlineData("callback_rotate", "callback_id", "abc", "x", "y", 422, "Invalid callback_id.")]
    [InlineData("callback_redeliver", "callback_id", "999999", "event_id", "evt_00000000000000000000000000000000", 404, "Callback not found.")]
    [InlineData("callback_teleport", "x", "y", "x", "y", 400, "Invalid action.")]
    public async Task Bad_requests_get_nurr_style_errors_and_change_nothing(string action, string k1, string v1, string k2, string v2, int status, string error)
    {
        var shop = await _app.CreateResellerAsync(0m, "Strict Shop");
        var (code, body) = await CallAsync(shop, action, (k1, v1), (k2, v2));
        Assert.Equal(status, code);
        Assert.Equal(error, body["error"]!.GetValue<string>());
        Assert.Empty(await _app.WithDbAsync(db => Task.FromResult(db.WebhookEndpoints.Where(e => e.ResellerId == shop.Id).ToList())));
    }

    [Fact]
    public async Task Wrong_credentials_are_refused()
    {
        var shop = await _app.CreateResellerAsync(0m, "Locked Shop");
        var impostor = shop with { ApiSecret = "wrong" };
        var (status, body) = await CallAsync(impostor, "callback_list");
        Assert.Equal(401, status);
        Assert.Equal("Invalid API credentials.", body["error"]!.GetValue<string>());
    }
}
