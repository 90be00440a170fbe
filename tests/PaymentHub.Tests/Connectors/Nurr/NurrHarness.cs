using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Connectors.Nurr;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Connectors.Nurr;

/// <summary>
/// A test's world: a WireMock (under a path prefix) faking a nurr-compatible upstream (<c>mobile-recharge.php</c>,
/// <c>bill-payment.php</c>), and a gateway (real PostgreSQL) routing GP recharges and one bill service there, with short
/// timeouts, orders flagged as soon as they stay unresolved, and a reseller holding 1,000.00. The fake and the gateway are
/// the class's (<see cref="NurrFixture"/>) or the test's own (<see cref="StartAsync"/>).
/// </summary>
public sealed class NurrHarness : IAsyncDisposable
{
    public const string ApiKey = "nurr-test-api-key-3c9d51";
    public const string ApiSecret = "nurr-test-api-secret-8a41f0e2";
    public const decimal StartBalance = 1_000m;
    public const string Phone = "01712345678";
    /// <summary>A 100.00 GP prepaid recharge costs the reseller 99.00 (1% commission).</summary>
    public const decimal RechargeDebit = 99m;
    public const string RechargePath = "/api/mobile-recharge.php";
    public const string RechargeStatusPath = "/api/mobile-recharge.php?action=status_check";
    public const string BillSubmitPath = "/api/bill-payment.php?action=submit";
    public const string BillStatusPath = "/api/bill-payment.php?action=status_check";
    public const string UpstreamOrder = "NURR-AB12CD34EF56";
    public const string Html502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";

    public required PaymentHubApp App { get; init; }
    public required WireMockScope Upstream { get; init; }
    public required TestReseller Shop { get; init; }
    public required int ProviderId { get; init; }
    public required int ServiceId { get; init; }
    /// <summary>Requests that left the gateway towards the upstream, each attempt counted (retries included).</summary>
    public required AttemptCounter Attempts { get; init; }

    /// <summary>The gateway's clock: <see cref="FastForwardUntilAsync"/> moves it on so that a backoff or a "resolve after" is due at once.</summary>
    public TestClock Clock { get; init; } = new();

    public sealed class AttemptCounter
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);
        public void Add() => Interlocked.Increment(ref _count);
        public void Reset() => Interlocked.Exchange(ref _count, 0);
    }

    private sealed class CountingHandler(AttemptCounter counter) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            counter.Add();
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <param name="baseUrl">Where the gateway looks for the upstream; the WireMock scope unless given (e.g. a closed port).</param>
    /// <param name="connectionOptions">Added to the gateway's connection string (see <see cref="PaymentHubApp.StartAsync"/>).</param>
    public static async Task<NurrHarness> StartAsync(
        string name, IDictionary<string, string?>? settings = null, string? baseUrl = null, string? connectionOptions = null)
    {
        var scope = await WireMockScope.StartAsync(name.Replace('_', '-'));
        var attempts = new AttemptCounter();
        var clock = new TestClock();
        var all = TestSettings.Merge(new Dictionary<string, string?>
        {
            ["Connectors:Nurr:BaseUrl"] = baseUrl ?? scope.BaseUrl,
            ["Connectors:Nurr:ApiKey"] = ApiKey,
            ["Connectors:Nurr:ApiSecret"] = ApiSecret,
            // Long enough that a loaded machine never turns a normal (or refused) call into a timeout; ShortAttemptTimeout for a late stub.
            ["Connectors:Nurr:TimeoutSeconds"] = "8",
            ["Connectors:Nurr:AttemptTimeoutSeconds"] = "3",
            ["Connectors:Nurr:MaxRetries"] = "2",
            ["Connectors:Nurr:RetryDelaySeconds"] = "0.05",
            ["Connectors:Nurr:BreakerMinimumThroughput"] = "100",
            ["Recharge:ResolveAfterSeconds"] = "2",
            ["Fulfilment:FlagAfterMinutes"] = "0",
        }, settings);
        // Added after the app's own registration, so it sits inside the resilience handler and sees every attempt.
        var app = await PaymentHubApp.StartAsync("nurr_" + name, all,
            services =>
            {
                services.AddHttpClient(NurrClient.HttpClientName).AddHttpMessageHandler(() => new CountingHandler(attempts));
                services.AddSingleton<TimeProvider>(clock);
            }, connectionOptions: connectionOptions);
        using (var admin = app.Admin())
        {
            using var patched = await admin.PatchAsync("/admin/v1/operators/GP", JsonContent.Create(new { connector = "nurr" }));
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }
        var (providerId, serviceId) = await app.CreateServiceAsync(connector: "nurr", moduleFields: "meter_number", productCode: "1:5");
        var shop = await app.CreateResellerAsync(StartBalance);
        return new NurrHarness { App = app, Upstream = scope, Shop = shop, ProviderId = providerId, ServiceId = serviceId, Attempts = attempts,
            Clock = clock };
    }

    /// <summary>
    /// This test's world on the gateway and fake its class shares: the fake forgets the earlier tests' stubs and requests,
    /// the attempt count starts at zero, and the test gets a reseller of its own holding 1,000.00 (the service is the class's).
    /// </summary>
    internal async Task<NurrHarness> NextTestAsync()
    {
        Upstream.Reset();
        Attempts.Reset();
        var shop = await App.CreateResellerAsync(StartBalance);
        return new NurrHarness
        {
            App = App, Upstream = Upstream, Shop = shop, ProviderId = ProviderId, ServiceId = ServiceId, Attempts = Attempts, Clock = Clock,
            _shared = true, _logFrom = App.LogLength,
        };
    }

    // A test's world on the class's shared gateway and fake (NextTestAsync): disposing it checks, the fixture stops them.
    private bool _shared;
    private long _logFrom;

    /// <summary>What the gateway logged since this test began (on a shared gateway, not the earlier tests' lines).</summary>
    public string ReadTestLog() => App.ReadLogSince(_logFrom);

    /// <summary>
    /// Settings for a test whose stub answers late on purpose (5 s): an attempt gives up after 2 s, well before that answer,
    /// and long enough that a prompt request still reaches the fake on a loaded machine. The reconciler may take the order
    /// only after 30 s of the gateway's clock (the test fast-forwards to it): with the usual 2 s it could resolve the order by
    /// status query while the request was still waiting out its attempt, and the reply would say Success instead of Processing.
    /// </summary>
    public static Dictionary<string, string?> ShortAttemptTimeout() => new()
    {
        ["Connectors:Nurr:AttemptTimeoutSeconds"] = "2",
        ["Recharge:ResolveAfterSeconds"] = "30",
    };

    /// <summary>A port nothing listens on: connecting to it is refused before a byte is sent.</summary>
    public static string ClosedPortUrl() => LoopbackPorts.ClosedUrl();

    // ---- the fake upstream ----

    /// <summary>
    /// Answers POST <paramref name="pathAndQuery"/> (exact, query included). A later stub for the same request wins, so a
    /// test can change the upstream's answer while the gateway keeps asking.
    /// </summary>
    public Task StubAsync(string pathAndQuery, int status, string? body, string contentType = "application/json", WireFault? fault = null,
        int delayMs = 0, string? scenario = null, string? requiredState = null, string? newState = null)
    {
        var stub = Upstream.Given(Request.Create().UsingPost().WithPathAndQuery($"/{Upstream.Prefix}{pathAndQuery}"));
        if (scenario is not null)
        {
            stub = stub.InScenario(scenario, requiredState, newState);
        }
        var response = Response.Create().WithStatusCode(status).WithHeader("Content-Type", contentType);
        if (body is not null)
        {
            response = response.WithBody(body);
        }
        if (fault is { } wireFault)
        {
            response = response.WithWireFault(wireFault);
        }
        if (delayMs > 0)
        {
            response = response.WithWireDelay(delayMs);
        }
        stub.RespondWith(response);
        return Task.CompletedTask;
    }

    /// <summary>The faults an upstream may answer a status query with; none of them says anything about the order.</summary>
    public Task StubStatusFaultAsync(string pathAndQuery, string fault)
    {
        var recharge = pathAndQuery == RechargeStatusPath;
        return fault switch
        {
            "401" => StubAsync(pathAndQuery, 401, """{"error":"Invalid API credentials."}"""),
            "422" => StubAsync(pathAndQuery, 422, """{"error":"Missing required parameters."}"""),
            "404" => StubAsync(pathAndQuery, 404, """{"error":"Transaction not found."}"""),
            "500" => StubAsync(pathAndQuery, 500, """{"error":"Transaction failed."}"""),
            "html" => StubAsync(pathAndQuery, 502, Html502, "text/html"),
            "malformed" => StubAsync(pathAndQuery, 200, """{"success":true,"status":"Succ"""),
            // Final answers, but unreadable or about another order: believing them would settle the wrong way.
            "bogus-charset" => StubAsync(pathAndQuery, 200, recharge ? RechargeReply("Failed", null) : BillReply("Cancelled"),
                "application/json; charset=bogus-xx"),
            "other-order" => StubAsync(pathAndQuery, 200,
                recharge ? RechargeReply("Failed", null, phone: "01799999999") : BillReply("Cancelled", orderNumber: "NURR-SOMEONE-ELSE")),
            "other-amount" => StubAsync(pathAndQuery, 200,
                recharge ? RechargeReply("Failed", null, amount: "350.00") : BillReply("Cancelled", amount: "350.00")),
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, null),
        };
    }

    /// <summary>A recharge reply as nurr.top shows it (and another PaymentHub answers status_check).</summary>
    public static string RechargeReply(string status, string? transactionId, string phone = Phone, string amount = "100.00") => new JsonObject
    {
        ["success"] = status != "Failed",
        ["full_name"] = "Upstream Account",
        ["phone"] = phone,
        ["amount"] = amount,
        ["operator_name"] = "Grameenphone",
        ["commission_amount"] = status == "Failed" ? "0.00" : "1.00",
        ["before_balance"] = "5000.00",
        ["after_balance"] = status == "Failed" ? "5000.00" : "4901.00",
        ["operator_transaction_id"] = transactionId,
        ["status"] = status,
        ["failure_reason"] = status == "Failed" ? "Operator rejected the number." : null,
        ["order_number"] = "NURR-RC-77",
    }.ToJsonString();

    /// <summary>A bill status reply as nurr.top documents it.</summary>
    public static string BillReply(string status, string orderNumber = UpstreamOrder, string amount = "200.00")
    {
        var reply = new JsonObject
        {
            ["success"] = true,
            ["order_number"] = orderNumber,
            ["status"] = status,
            ["provider"] = "DESCO",
            ["service"] = "DESCO Prepaid",
            ["module_data"] = new JsonObject { ["meter_number"] = "123456789" },
            ["amount"] = amount,
            ["debit_amount"] = amount,
            ["total_amount"] = amount,
        };
        switch (status)
        {
            case "Success":
                reply["token_number"] = "1234-5678-9012";
                break;
            case "Cancelled":
                reply["cancel_note"] = "Invalid customer information";
                break;
            default:
                reply["response"] = "Bill payment request submitted";
                break;
        }
        return reply.ToJsonString();
    }

    public Task<int> CallsAsync(string pathAndQuery) => Upstream.CountAsync(pathAndQuery);

    public async Task AssertCallsAsync(string pathAndQuery, int expected) => Assert.Equal(expected, await CallsAsync(pathAndQuery));

    // ---- the gateway ----

    public Task<(int Status, JsonNode Body)> RechargeAsync(string phone = Phone, string amount = "100") =>
        Shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", amount), ("operator", "GP")]);

    /// <summary>Recharges and expects the seed's "Processing" reply, with our order number and the wallet debited.</summary>
    public async Task<string> RechargeProcessingAsync(string phone = Phone)
    {
        var (status, body) = await RechargeAsync(phone);
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("Processing", body["status"]!.GetValue<string>());
        Assert.True(body["success"]!.GetValue<bool>());
        Assert.Null(body["failure_reason"]);
        return body["order_number"]!.GetValue<string>();
    }

    public async Task<string> SubmitBillAsync(string amount = "200")
    {
        var (status, body) = await Shop.BillAsync("submit", ("provider_id", Id(ProviderId)), ("service_id", Id(ServiceId)),
            ("amount", amount), ("meter_number", "123456789"));
        Assert.True(status == 200, body.ToJsonString());
        return body["order_number"]!.GetValue<string>();
    }

    public async Task<JsonNode> RechargeStatusAsync(string orderNumber) =>
        (await Shop.PostFormAsync("/api/mobile-recharge.php?action=status_check", [("order_number", orderNumber)])).Body;

    public async Task<JsonNode> BillStatusAsync(string orderNumber) => (await Shop.BillAsync("status_check", ("order_number", orderNumber))).Body;

    /// <summary>The operator's view of a recharge (stage, attempts, flag, last error).</summary>
    public async Task<JsonNode> AdminRechargeAsync(string orderNumber) =>
        (await App.AdminGetAsync($"/admin/v1/recharges?reseller_id={Shop.Id}")).AsArray()
        .Single(o => o!["order_number"]!.GetValue<string>() == orderNumber)!;

    public async Task<JsonNode> AdminBillAsync(string orderNumber) =>
        (await App.AdminGetAsync($"/admin/v1/orders?reseller_id={Shop.Id}")).AsArray()
        .Single(o => o!["order_number"]!.GetValue<string>() == orderNumber)!;

    /// <summary>
    /// Polls like <see cref="Poll.UntilAsync"/>, moving the gateway's clock 10 s on before each look, so that whatever the workers
    /// wait for (a "resolve after", a backoff between status queries) falls due within a poll or two instead of seconds.
    /// </summary>
    public Task<JsonNode> FastForwardUntilAsync(Func<Task<JsonNode>> read, Func<JsonNode, bool> done, int seconds = 20) =>
        Poll.UntilAsync(async () =>
        {
            Clock.Advance(TimeSpan.FromSeconds(10));
            return await read();
        }, done, seconds);

    public static bool IsFinal(JsonNode reply) => reply["status"]!.GetValue<string>() != "Processing";

    public Task<int> JournalsAsync(JournalKind kind, string orderNumber) =>
        App.WithDbAsync(db => db.LedgerJournals.CountAsync(j => j.Kind == kind && j.Reference == orderNumber));

    /// <summary>The recharge was debited once and never refunded.</summary>
    public async Task AssertDebitedOnceAndNotRefundedAsync(string orderNumber, decimal expectedBalance)
    {
        Assert.Equal(expectedBalance, await Shop.BalanceAsync());
        Assert.Equal(1, await JournalsAsync(JournalKind.RechargeDebit, orderNumber));
        Assert.Equal(0, await JournalsAsync(JournalKind.RechargeRefund, orderNumber));
    }

    public static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.AssertLedgerOkAsync();
            var log = App.ReadLog();
            Assert.DoesNotContain(ApiSecret, log);
            // Every upstream failure is classified by the connector; none escapes to a worker as an exception.
            Assert.DoesNotContain("failed on order", log);
            Assert.DoesNotContain("threw; it stays Processing", log);
            Assert.DoesNotContain("loop failed", log);
            if (_shared)
            {
                // The next test's fake starts with an empty journal: an order still being followed would call into it.
                var recharges = await App.WithDbAsync(db => db.RechargeOrders.CountAsync(o => o.Status == PaymentHub.Recharge.RechargeStatus.Processing));
                var bills = await App.WithDbAsync(db => db.BillOrders.CountAsync(o => o.Connector == "nurr" && o.Stage != Fulfilment.BillStage.Done));
                Assert.True(recharges + bills == 0,
                    $"{recharges} recharges and {bills} bills are still being followed after the test: give it a world of its own (NurrHarness.StartAsync).");
            }
        }
        finally
        {
            if (!_shared)
            {
                await HarnessWorld.StopAsync(App, Upstream);
            }
        }
    }
}

/// <summary>
/// One nurr world (gateway, database, fake, service) per distinct settings for all the tests of a class, which run one
/// after another: each test gets a fake without stubs and a reseller of its own. Declare <c>IClassFixture&lt;NurrFixture&gt;</c>.
/// A test that leaves an order being followed, or needs a gateway of its own (a closed port, its own pool), starts one with
/// <see cref="NurrHarness.StartAsync"/>; a shared one fails it when it ends.
/// </summary>
public sealed class NurrFixture : HarnessFixture<NurrHarness>
{
    public async Task<NurrHarness> StartAsync(string name, IDictionary<string, string?>? settings = null)
    {
        // One gateway now sees every test's failures: its circuit breaker would open on a run of failing tests, which a test's
        // own gateway never sees. A test of the breaker starts its own.
        var world = await WorldAsync(settings, kestrel: false, () => NurrHarness.StartAsync(name, TestSettings.Merge(
            new Dictionary<string, string?> { ["Connectors:Nurr:BreakerMinimumThroughput"] = "1000000" }, settings)));
        return await world.NextTestAsync();
    }
}
