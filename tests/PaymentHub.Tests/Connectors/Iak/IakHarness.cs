using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Iak;

/// <summary>
/// A test's world: a WireMock (under a path prefix) with the IAK stubs it names, and a gateway (real PostgreSQL) pointed at
/// that prefix, with short timeouts and a funded reseller on a PLNPOSTPAID service. The fake and the gateway are the
/// class's (<see cref="IakFixture"/>) or the test's own (<see cref="StartAsync(string, string[])"/>).
/// </summary>
public sealed class IakHarness : IAsyncDisposable
{
    public const string Username = "081234567890";
    public const string ApiKey = "iak-test-api-key-5f1c0e9b7a";
    public const decimal BillTotal = 302_500m;
    public const decimal Funding = 500_000m;
    public const string CheckPath = "/api/v1/bill/check";

    public required PaymentHubApp App { get; init; }
    public required WireMockScope Iak { get; init; }
    public required TestReseller Shop { get; init; }
    public required int ProviderId { get; init; }
    public required int ServiceId { get; init; }

    public static Task<IakHarness> StartAsync(string name, params string[] stubs) => StartAsync(name, null, stubs);

    /// <summary>
    /// Settings for a test whose stub answers late on purpose (the <c>*-delayed</c> stubs wait 4 s or more): an attempt gives up
    /// after 2 s, well before that answer, and long enough that the prompt answer of a retry is never cut off on a loaded machine
    /// (with 1 s, a retried inquiry was once timed out too and asked a third time).
    /// </summary>
    public static Dictionary<string, string?> ShortAttemptTimeout() => new() { ["Connectors:Iak:AttemptTimeoutSeconds"] = "2" };

    public static async Task<IakHarness> StartAsync(string name, IDictionary<string, string?>? settings, params string[] stubs)
    {
        var scope = await WireMockScope.StartAsync(name.Replace('_', '-'));
        await scope.StubAsync("Stubs/Iak", stubs);
        var app = await PaymentHubApp.StartAsync("iak_" + name, TestSettings.Merge(new Dictionary<string, string?>
        {
            ["Connectors:Iak:BaseUrl"] = scope.BaseUrl,
            ["Connectors:Iak:Username"] = Username,
            ["Connectors:Iak:ApiKey"] = ApiKey,
            ["Connectors:Iak:TimeoutSeconds"] = "10",
            // Long enough that a loaded machine never turns a normal reply into a timeout (and a second, counted, inquiry):
            // with 3 s, a full run once counted two inquiries for one order. Only prompt stubs meet it; late ones come with
            // ShortAttemptTimeout.
            ["Connectors:Iak:AttemptTimeoutSeconds"] = "5",
            ["Connectors:Iak:MaxRetries"] = "2",
            ["Connectors:Iak:RetryDelaySeconds"] = "0.05",
            ["Connectors:Iak:PendingRetrySeconds"] = "0.2",
            ["Connectors:Iak:NotReceivedGraceSeconds"] = "0",
        }, settings));
        var (providerId, serviceId) = await app.CreateServiceAsync(connector: "iak", moduleFields: "meter_number", max: 1_000_000m,
            provider: "PLN", productCode: "PLNPOSTPAID");
        var shop = await app.CreateResellerAsync(Funding);
        return new IakHarness { App = app, Iak = scope, Shop = shop, ProviderId = providerId, ServiceId = serviceId };
    }

    /// <summary>
    /// This test's world on the gateway and fake its class shares: the fake forgets the earlier tests' stubs and requests and
    /// takes this test's, and the test gets a funded reseller of its own (the service is the class's).
    /// </summary>
    internal async Task<IakHarness> NextTestAsync(string[] stubs)
    {
        Iak.Reset();
        await Iak.StubAsync("Stubs/Iak", stubs);
        var shop = await App.CreateResellerAsync(Funding);
        return new IakHarness { App = App, Iak = Iak, Shop = shop, ProviderId = ProviderId, ServiceId = ServiceId, _shared = true, _logFrom = App.LogLength };
    }

    private long _logFrom;

    /// <summary>What the gateway logged since this test began (on a shared gateway, not the earlier tests' lines).</summary>
    public string ReadTestLog() => App.ReadLogSince(_logFrom);

    // A test's world on the class's shared gateway and fake (NextTestAsync): disposing it checks, the fixture stops them.
    private bool _shared;

    /// <summary>Adds stub files to this test's prefix, with tokens such as <c>__RC__</c> replaced.</summary>
    public Task StubAsync(string stub, params (string Token, string Value)[] tokens) =>
        Iak.StubAsync("Stubs/Iak", tokens.ToDictionary(t => t.Token, t => t.Value), stub);

    public async Task<string> SubmitAsync(decimal amount = BillTotal, string meter = "530000000001")
    {
        var (status, body) = await Shop.BillAsync("submit", ("provider_id", Id(ProviderId)), ("service_id", Id(ServiceId)),
            ("amount", amount.ToString("0.##", CultureInfo.InvariantCulture)), ("meter_number", meter));
        Assert.True(status == 200, body.ToJsonString());
        return body["order_number"]!.GetValue<string>();
    }

    public Task<JsonNode> WaitForFinalAsync(string orderNumber, int seconds = 20) => Shop.WaitForFinalBillAsync(orderNumber, seconds);

    /// <summary>How many refund journals the order has (the ledger refuses a second one; this shows there is exactly one).</summary>
    public Task<int> RefundJournalsAsync(string orderNumber) =>
        App.WithDbAsync(db => db.LedgerJournals.CountAsync(j => j.Kind == JournalKind.BillOrderRefund && j.Reference == orderNumber));

    /// <summary>Asserts the order was cancelled with exactly <paramref name="cancelNote"/> and refunded once, to the last cent.</summary>
    public async Task AssertCancelledAndRefundedAsync(string orderNumber, JsonNode final, string cancelNote)
    {
        Assert.Equal("Cancelled", final["status"]!.GetValue<string>());
        Assert.Equal(cancelNote, final["cancel_note"]!.GetValue<string>());
        Assert.Equal(Funding, await Shop.BalanceAsync());
        Assert.Equal(1, await RefundJournalsAsync(orderNumber));
    }

    public Task<int> InquiriesAsync() => Iak.CountAsync(CheckPath, "\"commands\":\"inq-pasca\"");
    public Task<int> PaymentsAsync() => Iak.CountAsync(CheckPath, "\"commands\":\"pay-pasca\"");
    public Task<int> StatusChecksAsync() => Iak.CountAsync(CheckPath, "\"commands\":\"checkstatus\"");

    public async Task AssertCallsAsync(int inquiries, int payments, int statusChecks)
    {
        Assert.Equal((inquiries, payments, statusChecks), (await InquiriesAsync(), await PaymentsAsync(), await StatusChecksAsync()));
    }

    // IAK's sign is md5(username + api key + ...) by IAK's definition; the fake must compute the same.
#pragma warning disable CA5351
    public static string Sign(string additional) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(Username + ApiKey + additional)));
#pragma warning restore CA5351

    public static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.AssertLedgerOkAsync();
            var log = App.ReadLog();
            Assert.DoesNotContain(ApiKey, log);
            // Every upstream failure is classified by the connector; none escapes to the worker as an exception.
            Assert.DoesNotContain("failed on order", log);
            if (_shared)
            {
                // The next test's fake starts with an empty journal: an order still being worked would call into it.
                var inFlight = await App.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Connector == "iak" && o.Stage != Fulfilment.BillStage.Done));
                Assert.True(inFlight == 0, $"{inFlight} IAK orders are still being worked after the test: give it a world of its own (IakHarness.StartAsync).");
            }
        }
        finally
        {
            if (!_shared)
            {
                await HarnessWorld.StopAsync(App, Iak);
            }
        }
    }
}

/// <summary>
/// One IAK world (gateway, database, fake, service) per distinct settings for all the tests of a class, which run one after
/// another: each test gets the stubs it names on a fake with no others, and a funded reseller of its own. Declare
/// <c>IClassFixture&lt;IakFixture&gt;</c>. A test that leaves an order being worked (a status that stays in process) starts its
/// own world with <see cref="IakHarness.StartAsync(string, string[])"/>; a shared one fails it when it ends.
/// </summary>
public sealed class IakFixture : HarnessFixture<IakHarness>
{
    public Task<IakHarness> StartAsync(string name, params string[] stubs) => StartAsync(name, null, stubs);

    public async Task<IakHarness> StartAsync(string name, IDictionary<string, string?>? settings, params string[] stubs)
    {
        // One gateway now sees every test's failures: its circuit breaker would open on a run of failing tests, which a test's
        // own gateway never sees.
        var world = await WorldAsync(settings, kestrel: false, () => IakHarness.StartAsync(name, TestSettings.Merge(
            new Dictionary<string, string?> { ["Connectors:Iak:BreakerMinimumThroughput"] = "1000000" }, settings)));
        return await world.NextTestAsync(stubs);
    }
}
