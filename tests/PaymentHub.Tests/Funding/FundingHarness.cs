using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Ledger;
using PaymentHub.Tests.Infrastructure;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Funding;

/// <summary>
/// A test's world for wallet funding: a WireMock (under a path prefix) faking shurjoPay (<c>/sp/api</c>) and SecureSoftPay
/// (<c>/ssp</c>), a gateway (real PostgreSQL) pointed at both, and a reseller with an empty wallet. The fake and the gateway
/// are the class's (<see cref="FundingFixture"/>), or the test's own (<see cref="StartAsync"/>).
/// </summary>
public sealed class FundingHarness : IAsyncDisposable
{
    /// <summary>How late a stub that stands for a hung gateway answers: past an attempt's 3 s timeout.</summary>
    public const int LateReplyMs = 6_000;

    public const string SpUsername = "sp_test_store";
    public const string SpPassword = "sp-test-password-9f2c&77";
    public const string SspApiKey = "ssp-test-secret-key-71d3c0a8";
    public const string PublicBaseUrl = "https://hub.example.test";

    public required PaymentHubApp App { get; init; }
    public required WireMockScope Mock { get; init; }
    public required TestReseller Shop { get; init; }

    /// <summary>The gateway's clock, for a test that must get past a lifetime (a token's, a top-up's) without sleeping.</summary>
    public TestClock Clock { get; init; } = new();

    public string SpBase => $"/{Mock.Prefix}/sp/api";
    public string SspBase => $"/{Mock.Prefix}/ssp";

    /// <summary>
    /// With <paramref name="kestrel"/> the gateway listens on a real loopback port (for a browser) and, unless a setting says
    /// otherwise, runs in Development, where it builds the gateways' return URLs from the request's own host, i.e. that port.
    /// </summary>
    public static async Task<FundingHarness> StartAsync(
        string name, IDictionary<string, string?>? settings = null, string? sharedDatabase = null, bool kestrel = false)
    {
        var scope = await WireMockScope.StartAsync(name.Replace('_', '-'));
        var all = Merge(new Dictionary<string, string?>
        {
            ["Connectors:ShurjoPay:BaseUrl"] = scope.BaseUrl + "/sp/api",
            ["Connectors:ShurjoPay:Username"] = SpUsername,
            ["Connectors:ShurjoPay:Password"] = SpPassword,
            ["Connectors:ShurjoPay:Prefix"] = "sp",
            // An attempt gets 3 s, as in the IAK and nurr harnesses: the test host runs the gateways and the WireMock fakes
            // in one process, and on a loaded machine a request took over 1 s, once over 2 s, just to reach the fake (the
            // attempt-counting tests then saw two attempts instead of three, and a normal checkout failed). The late stubs
            // answer after LateReplyMs, well past an attempt. Three attempts (two retries) must fit in the overall timeout.
            ["Connectors:ShurjoPay:TimeoutSeconds"] = "15",
            ["Connectors:ShurjoPay:AttemptTimeoutSeconds"] = "3",
            ["Connectors:ShurjoPay:MaxRetries"] = "2",
            ["Connectors:ShurjoPay:RetryDelaySeconds"] = "0.05",
            ["Connectors:SecureSoftPay:BaseUrl"] = scope.BaseUrl + "/ssp",
            ["Connectors:SecureSoftPay:ApiKey"] = SspApiKey,
            ["Connectors:SecureSoftPay:ClientBaseUrl"] = "https://hub.example.test/api",
            ["Connectors:SecureSoftPay:TimeoutSeconds"] = "15",
            ["Connectors:SecureSoftPay:AttemptTimeoutSeconds"] = "3",
            ["Connectors:SecureSoftPay:MaxRetries"] = "2",
            ["Connectors:SecureSoftPay:RetryDelaySeconds"] = "0.05",
            ["Funding:PublicBaseUrl"] = kestrel ? "" : PublicBaseUrl,
            ["Funding:WatcherEnabled"] = "false",
            ["Funding:PollIntervalMs"] = "100",
            ["Funding:FirstCheckSeconds"] = "0.2",
            ["Funding:MaxCheckDelaySeconds"] = "0.5",
        }, settings);
        if (kestrel && !all.ContainsKey("environment"))
        {
            // Only Development builds the return URLs from the request's own host (the port Kestrel picked).
            all["environment"] = "Development";
        }
        var clock = new TestClock();
        var app = await PaymentHubApp.StartAsync("funding_" + name, all, services => services.AddSingleton<TimeProvider>(clock),
            sharedDatabase: sharedDatabase, kestrel: kestrel);
        var shop = await app.CreateResellerAsync(0m);
        return new FundingHarness { App = app, Mock = scope, Shop = shop, Clock = clock, _settings = all };
    }

    /// <summary>
    /// This test's world on a gateway and fake the class shares (see <see cref="FundingFixture"/>): the fake forgets the earlier
    /// tests' stubs and requests, the clock moves a day on (past any token's lifetime, so no token is still cached), the funding
    /// gateways' settings are put back as they were when the gateway started, and the test gets a reseller of its own.
    /// </summary>
    internal async Task<FundingHarness> NextTestAsync()
    {
        Mock.Reset();
        Clock.Advance(TimeSpan.FromDays(1));
        await RestoreGatewaySettingsAsync();
        var shop = await App.CreateResellerAsync(0m);
        return new FundingHarness
        {
            App = App, Mock = Mock, Shop = shop, Clock = Clock, _settings = _settings, _shared = true, _logFrom = App.LogLength,
            _topUpsBefore = await App.WithDbAsync(db => db.TopUps.CountAsync()),
            _creditJournalsBefore = await App.WithDbAsync(db => db.LedgerJournals.CountAsync(j => j.Kind == JournalKind.TopUpCredit)),
        };
    }

    private long _logFrom;

    /// <summary>What the gateway logged since this test began (on a shared gateway, not the earlier tests' lines).</summary>
    public string ReadTestLog() => App.ReadLogSince(_logFrom);

    /// <summary>This test's top-ups in the operator's review queue.</summary>
    public async Task<List<string>> ReviewQueueAsync() =>
        [.. (await App.AdminGetAsync($"/admin/v1/topups?status=Review&reseller_id={Shop.Id}")).AsArray().Select(t => t!["top_up_id"]!.GetValue<string>())];

    private int _topUpsBefore;
    private int _creditJournalsBefore;

    /// <summary>How many top-ups were written since this test began, by anyone (nothing else writes to the class's gateway meanwhile).</summary>
    public async Task<int> NewTopUpsAsync() => await App.WithDbAsync(db => db.TopUps.CountAsync()) - _topUpsBefore;

    /// <summary>How many top-up credit journals were written since this test began, by anyone.</summary>
    public async Task<int> NewCreditJournalsAsync() =>
        await App.WithDbAsync(db => db.LedgerJournals.CountAsync(j => j.Kind == JournalKind.TopUpCredit)) - _creditJournalsBefore;

    private JsonArray? _gatewaySettings;

    internal async Task KeepGatewaySettingsAsync() => _gatewaySettings = (await App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray();

    private async Task RestoreGatewaySettingsAsync()
    {
        var now = (await App.AdminGetAsync("/admin/v1/funding-gateways")).AsArray();
        foreach (var kept in _gatewaySettings ?? [])
        {
            var gateway = kept!["gateway"]!.GetValue<string>();
            if (JsonNode.DeepEquals(kept, now.SingleOrDefault(g => g!["gateway"]!.GetValue<string>() == gateway)))
            {
                continue;
            }
            using var admin = App.Admin();
            using var response = await admin.PutAsJsonAsync($"/admin/v1/funding-gateways/{gateway}", new
            {
                is_enabled = kept["is_enabled"]!.GetValue<bool>(),
                min_amount = kept["min_amount"]!.GetValue<decimal>(),
                max_amount = kept["max_amount"]!.GetValue<decimal>(),
                fee_percent = kept["fee_percent"]!.GetValue<decimal>(),
                fee_fixed = kept["fee_fixed"]!.GetValue<decimal>(),
            });
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>A second gateway instance on the same database and the same fakes (another app server behind the load balancer).</summary>
    public Task<PaymentHubApp> StartSecondInstanceAsync(IDictionary<string, string?>? settings = null) =>
        PaymentHubApp.StartAsync("unused", Merge(new Dictionary<string, string?>(_settings), settings), sharedDatabase: App.ConnectionString);

    private Dictionary<string, string?> _settings = [];

    // A test's world on the class's shared gateway and fake (NextTestAsync): disposing it checks, the fixture stops them.
    private bool _shared;

    public static Dictionary<string, string?> Merge(Dictionary<string, string?> defaults, IDictionary<string, string?>? overrides) =>
        TestSettings.Merge(defaults, overrides);

    // ---- reseller calls ----

    public async Task<(int Status, JsonNode Body)> AddFundAsync(decimal amount, string gateway, params (string Key, string Value)[] extra)
    {
        var fields = new List<(string, string)> { ("amount", amount.ToString("0.00", CultureInfo.InvariantCulture)), ("gateway", gateway) };
        fields.AddRange(extra);
        return await Shop.PostFormAsync("/api/wallet.php?action=add_fund", [.. fields]);
    }

    public async Task<string> StartTopUpAsync(decimal amount, string gateway, params (string Key, string Value)[] extra)
    {
        var (status, body) = await AddFundAsync(amount, gateway, extra);
        Assert.True(status == 200, body.ToJsonString());
        Assert.True(body["success"]!.GetValue<bool>());
        return body["topup_id"]!.GetValue<string>();
    }

    public async Task<string> TopUpStatusAsync(string topUpId)
    {
        var (status, body) = await Shop.PostFormAsync("/api/wallet.php?action=topup_status", [("topup_id", topUpId)]);
        Assert.True(status == 200, body.ToJsonString());
        return body["status"]!.GetValue<string>();
    }

    public Task<JsonNode> AdminTopUpAsync(string topUpId) => App.AdminGetAsync($"/admin/v1/topups/{topUpId}");

    public Task<int> CreditJournalsAsync(string topUpId) => App.WithDbAsync(async db =>
        await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            db.LedgerJournals, j => j.Kind == PaymentHub.Ledger.JournalKind.TopUpCredit && j.Reference == topUpId));

    /// <summary>Sets the fee the operator books for <paramref name="gateway"/> (shurjopay or securesoftpay), limits 10 to 100,000.</summary>
    public async Task SetGatewayFeeAsync(string gateway, decimal feePercent)
    {
        using var admin = App.Admin();
        using var response = await admin.PutAsJsonAsync($"/admin/v1/funding-gateways/{gateway}",
            new { is_enabled = true, min_amount = 10m, max_amount = 100000m, fee_percent = feePercent, fee_fixed = 0m });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The entries of the top-up's credit journal, with the kind of account each one moved.</summary>
    public Task<List<(LedgerAccountKind Kind, decimal Amount)>> CreditEntriesAsync(string topUpId) => App.WithDbAsync(async db =>
        (await db.LedgerJournals.Where(j => j.Kind == JournalKind.TopUpCredit && j.Reference == topUpId)
            .SelectMany(j => j.Entries).Join(db.LedgerAccounts, e => e.AccountId, a => a.Id, (e, a) => new { a.Kind, e.Amount })
            .ToListAsync()).Select(e => (e.Kind, e.Amount)).ToList());

    /// <summary>A credit of 200 with a 1.5% gateway fee: the wallet gets all 200; clearing and the fee expense split it.</summary>
    public async Task AssertFeeBookedSeparatelyAsync(string topUpId)
    {
        Assert.Equal(200m, await Shop.BalanceAsync());
        var entries = await CreditEntriesAsync(topUpId);
        Assert.Equal(3, entries.Count);
        Assert.Equal(200m, entries.Single(e => e.Kind == LedgerAccountKind.ResellerWallet).Amount);
        Assert.Equal(-197m, entries.Single(e => e.Kind == LedgerAccountKind.GatewayClearing).Amount);
        Assert.Equal(-3m, entries.Single(e => e.Kind == LedgerAccountKind.GatewayFeeExpense).Amount);
        Assert.Equal(3m, (await AdminTopUpAsync(topUpId))["fee"]!.GetValue<decimal>());
    }

    /// <summary>A GET as the customer's browser (or the gateway's IPN) would send it; returns the status and the body.</summary>
    public Task<(int Status, string Body)> BrowserGetAsync(string pathAndQuery) => BrowserGetAsync(App, pathAndQuery);

    /// <summary>A page of <paramref name="app"/> as a browser asks for it, redirects not followed (e.g. a second instance's).</summary>
    public static async Task<(int Status, string Body)> BrowserGetAsync(PaymentHubApp app, string pathAndQuery)
    {
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await client.GetAsync(pathAndQuery);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<(int Status, string Body)> BrowserPostAsync(string pathAndQuery)
    {
        using var client = App.CreateClient();
        using var response = await client.PostAsync(pathAndQuery, new FormUrlEncodedContent([]));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // ---- shurjoPay fakes ----

    public static string SpOrderId(string topUpId) => "sp" + topUpId;

    public Task StubTokenAsync(string token = "sp-token-1", object? expiresIn = null, string? scenario = null, string? requiredState = null, string? newState = null) =>
        Stub("POST", $"{SpBase}/get_token", 200, new JsonObject
        {
            ["token"] = token,
            ["store_id"] = 1,
            ["execute_url"] = "https://sandbox.shurjopayment.com/api/secret-pay",
            ["token_type"] = "Bearer",
            ["sp_code"] = "200",
            ["message"] = "Ok",
            ["token_create_time"] = "2026-11-22 01:21:28pm",
            ["expires_in"] = JsonValue.Create(expiresIn ?? 3600),
        }, bodyEqualsJson: new JsonObject { ["username"] = SpUsername, ["password"] = SpPassword },
            scenario: scenario, requiredState: requiredState, newState: newState);

    /// <summary>secret-pay answering with <c>sp</c> + our order id as <c>sp_order_id</c>, and the amount it was asked for.</summary>
    public Task StubSecretPayAsync(string token = "sp-token-1", string checkoutUrl = "https://sandbox.securepay.shurjopayment.com/spaycheckout/?token=abc")
    {
        Mock.Given(Request.Create().UsingPost().WithPath(new ExactMatcher($"{SpBase}/secret-pay"))
                .WithHeader("Authorization", new ExactMatcher($"Bearer {token}")))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(request =>
            {
                var asked = JsonNode.Parse(request.Body ?? "")!;
                var orderId = asked["order_id"]!.GetValue<string>();
                return new JsonObject
                {
                    ["checkout_url"] = $"{checkoutUrl}&order_id=sp{orderId}",
                    ["amount"] = asked["amount"]!.DeepClone(),
                    ["currency"] = "BDT",
                    ["sp_order_id"] = "sp" + orderId,
                    ["customer_order_id"] = orderId,
                    ["customer_name"] = "Test",
                    ["customer_address"] = "Dhaka",
                    ["customer_city"] = "Dhaka",
                    ["customer_phone"] = "01700000000",
                    ["customer_email"] = null,
                    ["client_ip"] = "127.0.0.1",
                    ["intent"] = "sale",
                    ["transactionStatus"] = "Initiated",
                }.ToJsonString();
            }));
        return Task.CompletedTask;
    }

    public static JsonObject VerificationElement(string spOrderId, string topUpId, object spCode, string amount, string currency = "BDT", string message = "Success") =>
        new()
        {
            ["id"] = 1109612,
            ["order_id"] = spOrderId,
            ["currency"] = currency,
            ["amount"] = amount,
            ["payable_amount"] = amount,
            ["discount_amount"] = "0.0000",
            ["disc_percent"] = 0,
            ["recived_amount"] = amount,
            ["usd_amt"] = "0.0000",
            ["usd_rate"] = 0,
            ["card_holder_name"] = null,
            ["card_number"] = null,
            ["phone_no"] = null,
            ["bank_trx_id"] = "ACF8HPQJ0G",
            ["invoice_no"] = spOrderId,
            ["bank_status"] = message,
            ["customer_order_id"] = topUpId,
            ["sp_code"] = JsonValue.Create(spCode),
            ["sp_massage"] = message,
            ["sp_message"] = message,
            ["name"] = "Test Shop",
            ["email"] = "shop@example.test",
            ["address"] = "Dhaka",
            ["city"] = "Dhaka",
            ["value1"] = "",
            ["value2"] = null,
            ["value3"] = null,
            ["value4"] = null,
            ["transaction_status"] = message,
            ["method"] = "bKash",
            ["date_time"] = "2026-11-22 17:25:06",
        };

    /// <summary>verification (or payment-status) of one order answering a JSON array with one element.</summary>
    public Task StubCheckAsync(string endpoint, string topUpId, object spCode, string amount = "100.0000", string currency = "BDT",
        string message = "Success", string? scenario = null, string? requiredState = null, string? newState = null, int delayMs = 0) =>
        Stub("POST", $"{SpBase}/{endpoint}", 200, new JsonArray(VerificationElement(SpOrderId(topUpId), topUpId, spCode, amount, currency, message)),
            bodyEqualsJson: new JsonObject { ["order_id"] = SpOrderId(topUpId) },
            scenario: scenario, requiredState: requiredState, newState: newState, delayMs: delayMs);

    public Task<int> SpCallsAsync(string endpoint, string? bodyContains = null) =>
        Task.FromResult(Mock.Count("POST", $"{SpBase}/{endpoint}", bodyContains));

    // ---- SecureSoftPay fakes ----

    public Task StubCheckoutAsync() =>
        Stub("POST", $"{SspBase}/api/v1/checkout", 200, new JsonObject
        {
            ["status"] = "success",
            ["payment_url"] = "https://pay.example.test/checkout?trx_id=a1b2c3",
        }, headerEquals: ("Authorization", $"Bearer {SspApiKey}"));

    public Task StubVerifyAsync(string transactionId, JsonNode reply, int status = 200, int delayMs = 0) =>
        Stub("POST", $"{SspBase}/api/v1/verify", status, reply,
            bodyEqualsJson: new JsonObject { ["transaction_id"] = transactionId },
            headerEquals: ("Authorization", $"Bearer {SspApiKey}"), delayMs: delayMs);

    public static JsonObject VerifyReply(string transactionId, string topUpId, decimal amount, string status = "COMPLETED") => new()
    {
        ["status"] = "success",
        ["data"] = new JsonObject
        {
            ["transaction_id"] = transactionId,
            ["amount"] = amount.ToString("0.00", CultureInfo.InvariantCulture),
            ["currency"] = "BDT",
            ["status"] = status,
            ["payment_method"] = "bkash",
            ["meta_data"] = new JsonObject { ["order_id"] = topUpId, ["topup_id"] = topUpId }.ToJsonString(),
        },
    };

    public Task<int> SspCallsAsync(string path, string? bodyContains = null) =>
        Task.FromResult(Mock.Count("POST", $"{SspBase}{path}", bodyContains));

    // ---- generic stubs ----

    /// <summary>
    /// Answers <paramref name="method"/> <paramref name="urlPath"/> (the path exactly, any query), optionally only for a body
    /// equal to <paramref name="bodyEqualsJson"/> (as JSON: same fields and values, any order) and a header with exactly the
    /// given value. A later stub for the same request wins.
    /// </summary>
    public Task Stub(string method, string urlPath, int status, JsonNode? jsonBody, JsonNode? bodyEqualsJson = null,
        (string Name, string Value)? headerEquals = null, string? scenario = null, string? requiredState = null, string? newState = null,
        int delayMs = 0, string? rawBody = null, string contentType = "application/json", WireFault? fault = null)
    {
        var request = Request.Create().UsingMethod(method).WithPath(new ExactMatcher(urlPath));
        if (bodyEqualsJson is not null)
        {
            request = request.WithBody(new JsonMatcher(bodyEqualsJson.ToJsonString()));
        }
        if (headerEquals is { } header)
        {
            request = request.WithHeader(header.Name, new ExactMatcher(header.Value));
        }
        var response = Response.Create().WithStatusCode(status).WithHeader("Content-Type", contentType);
        if (rawBody is not null)
        {
            response = response.WithBody(rawBody);
        }
        else if (jsonBody is not null)
        {
            response = response.WithBody(jsonBody.ToJsonString());
        }
        if (delayMs > 0)
        {
            response = response.WithWireDelay(delayMs);
        }
        if (fault is { } wireFault)
        {
            response = response.WithWireFault(wireFault);
        }
        var stub = Mock.Given(request);
        if (scenario is not null)
        {
            stub = stub.InScenario(scenario, requiredState, newState);
        }
        stub.RespondWith(response);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.AssertLedgerOkAsync();
            var log = App.ReadLog();
            Assert.DoesNotContain(SpPassword, log);
            Assert.DoesNotContain(SspApiKey, log);
            Assert.DoesNotContain("sp-token-", log);
        }
        finally
        {
            if (!_shared)
            {
                await HarnessWorld.StopAsync(App, Mock);
            }
        }
    }
}

/// <summary>
/// One funding world (gateway, database, fake) per distinct settings for all the tests of a class, which run one after
/// another: each test gets its own reseller and a fake with no stubs (<see cref="FundingHarness.NextTestAsync"/>).
/// Declare <c>IClassFixture&lt;FundingFixture&gt;</c>. A test that needs a world no other test may have touched (counting
/// what a gateway does once per process, say) starts its own with <see cref="FundingHarness.StartAsync"/>.
/// </summary>
public sealed class FundingFixture : HarnessFixture<FundingHarness>
{
    public async Task<FundingHarness> StartAsync(string name, IDictionary<string, string?>? settings = null, bool kestrel = false)
    {
        var world = await WorldAsync(settings, kestrel, async () =>
        {
            // One gateway now sees every test's failures: its circuit breakers would open on a run of failing tests, which
            // a test's own gateway never sees (none makes ten calls). A test of the breaker asks for one with its settings.
            var started = await FundingHarness.StartAsync(name, TestSettings.Merge(new Dictionary<string, string?>
            {
                ["Connectors:ShurjoPay:BreakerMinimumThroughput"] = "1000000",
                ["Connectors:SecureSoftPay:BreakerMinimumThroughput"] = "1000000",
            }, settings), kestrel: kestrel);
            await started.KeepGatewaySettingsAsync();
            return started;
        });
        return await world.NextTestAsync();
    }
}
