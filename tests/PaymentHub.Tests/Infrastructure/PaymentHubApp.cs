using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PaymentHub.Bills;
using PaymentHub.Connectors.Sandbox;
using PaymentHub.Data;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The real gateway (real HTTP pipeline, real PostgreSQL) in-process, with helpers for the admin and reseller APIs.</summary>
public sealed class PaymentHubApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789abcdef0123456789";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public string LogFile { get; } = Path.Combine(Path.GetTempPath(), $"paymenthub-test-{Guid.NewGuid():N}.log");
    public string ConnectionString { get; }

    /// <summary>Whether the gateway listens on a real loopback TCP port (Kestrel) instead of the in-memory TestServer.</summary>
    public bool UsesKestrel { get; private set; }

    /// <summary>
    /// Where the gateway listens, e.g. <c>http://127.0.0.1:41234/</c>, for a browser or another process; only for an app
    /// started with <c>kestrel: true</c> (the in-memory TestServer has no address outside this process).
    /// </summary>
    public Uri ServerAddress => UsesKestrel
        ? ClientOptions.BaseAddress
        : throw new InvalidOperationException("This PaymentHubApp runs on the in-memory TestServer; start it with StartAsync(..., kestrel: true) for a real address.");

    private PaymentHubApp(string connectionString, Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        ConnectionString = connectionString;
        _settings = settings;
        _services = services;
    }

    /// <summary>
    /// Starts the gateway on an already migrated database no one else uses: new, or one an earlier test gave back through
    /// <see cref="DisposeAndRecycleDatabaseAsync"/>; with <paramref name="newDatabase"/> always a new one, for a test that reads
    /// process-wide state in which the database's name appears. Or on <paramref name="sharedDatabase"/>; or, with
    /// <paramref name="freshDatabase"/>, an empty one the gateway migrates as on a first start. With <paramref name="kestrel"/> it listens on
    /// a free loopback port (see <see cref="ServerAddress"/>) instead of in memory; <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/>
    /// and the helpers here then talk to that port over real HTTP. <paramref name="connectionOptions"/> (e.g. "Maximum Pool Size=3")
    /// are added to the gateway's connection string only.
    /// </summary>
    public static async Task<PaymentHubApp> StartAsync(
        string name, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? sharedDatabase = null,
        bool kestrel = false, bool freshDatabase = false, bool newDatabase = false, string? connectionOptions = null)
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = sharedDatabase
                               ?? (freshDatabase ? await server.CreateDatabaseAsync(name)
                                   : newDatabase ? await server.CreateMigratedDatabaseAsync(name)
                                   : await server.RentMigratedDatabaseAsync(name));
        var all = TestSettings.Merge(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:PaymentHub"] = connectionOptions is null ? connectionString : $"{connectionString};{connectionOptions}",
            ["Admin:BootstrapKey"] = AdminKey,
            ["Demo:Seed"] = "false",
            ["Fulfilment:PollIntervalMs"] = "100",
            ["RateLimits:ResellerRequestsPerMinute"] = "100000",
            // Per-key limits are tested by ApiKeyPolicyTests with their own; the other tests must never meet them.
            ["RateLimits:PerKey:RequestsPerSecond"] = "100000",
            ["RateLimits:PerKey:Burst"] = "100000",
            ["RateLimits:PerKey:RequestsPerMinute"] = "6000000",
            // Tests send invalid admin keys on purpose; AdminAuthThrottleTests set a real limit.
            ["RateLimits:AdminAuthFailuresPerWindow"] = "100000",
            ["Orders:NumberPrefix"] = "TST-",
            ["Logging:Console:MinimumLevel"] = "Warning",
            // A meter provider listens by meter name across the process: each gateway's would record every other in-process
            // gateway's requests and allocate its metric-point arrays for their instruments too (README, Tests: 4.4 of the
            // run's 9.8 GiB allocated). MetricsTests run with the gateway's default (on).
            ["Metrics:Enabled"] = "false",
            // The in-memory test server has no request body size feature, so every request with a size limit would log
            // that it could not apply it; Kestrel (production, and kestrel: true here) has it.
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Routing.EndpointRoutingMiddleware"] = "Error",
        }, settings);
        var app = new PaymentHubApp(connectionString, all, services) { _ownsDatabase = sharedDatabase is null && !freshDatabase };
        if (kestrel)
        {
            // Port 0: WebApplicationFactory binds http://127.0.0.1:0 and Kestrel picks a free port.
            app.UseKestrel(0);
            app.UsesKestrel = true;
        }
        app.StartServer();
        LiveApps.AddOrUpdate(connectionString, 1, (_, count) => count + 1);
        app._counted = true;
        return app;
    }

    // How many started, not yet disposed gateways use each database: one is recycled only when its last user is gone.
    private static readonly ConcurrentDictionary<string, int> LiveApps = new(StringComparer.Ordinal);
    private bool _ownsDatabase;
    private bool _counted;
    private bool _recycleDatabase;

    /// <summary>
    /// Stops the gateway and, if it made its database and no other gateway still uses it, gives the database to a later
    /// test (see <see cref="DatabaseRecycler"/>). Only for the very end of a test or class: afterwards, nothing may read
    /// or write <see cref="ConnectionString"/>, nor start another gateway on it.
    /// </summary>
    public ValueTask DisposeAndRecycleDatabaseAsync()
    {
        _recycleDatabase = true;
        return DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Logging:File:Path", LogFile);
        // A null value leaves the setting to the gateway's own configuration (appsettings.json, or its default in code).
        foreach (var (key, value) in _settings.Where(s => s.Value is not null))
        {
            builder.UseSetting(key, value);
        }
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        // The host is stopped and its log closed: nothing reads the log any more, and a run starts hundreds of gateways.
        File.Delete(LogFile);
        var lastUser = _counted && LiveApps.AddOrUpdate(ConnectionString, 0, (_, count) => count - 1) == 0;
        if (lastUser)
        {
            LiveApps.TryRemove(new KeyValuePair<string, int>(ConnectionString, 0));
        }
        _counted = false;
        if (_settings.TryGetValue("Database:Provider", out var provider) && provider == "Postgres")
        {
            // A recycled database keeps its idle pooled connections for the next gateway.
            if (_recycleDatabase && _ownsDatabase && lastUser && await (await PostgresServer.GetAsync()).RecycleAsync(ConnectionString))
            {
                return;
            }
            // Closes the idle connections the tests opened on this database themselves (Sql, the hostile write notes) now
            // rather than when their pool prunes them. The gateway's own connections are not in that pool: EF's Npgsql
            // provider keeps them in a data source of its own, and they stayed open after clearing the pool of the string the
            // gateway is given (checked on 2026-12-04); they close after their 30 s idle lifetime.
            await using var connection = new NpgsqlConnection(ConnectionString);
            NpgsqlConnection.ClearPool(connection);
        }
    }

    public T WithDb<T>(Func<PaymentHubDbContext, T> query)
    {
        using var scope = Services.CreateScope();
        return query(scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>());
    }

    public async Task<T> WithDbAsync<T>(Func<PaymentHubDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>());
    }

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    public async Task<JsonNode> AdminPostAsync(string path, object body, int expectedStatus = 200)
    {
        using var client = Admin();
        var response = await client.PostAsJsonAsync(path, body);
        return await ReadAsync(response, expectedStatus);
    }

    public async Task<JsonNode> AdminGetAsync(string path, int expectedStatus = 200)
    {
        using var client = Admin();
        return await ReadAsync(await client.GetAsync(path), expectedStatus);
    }

    public static async Task<JsonNode> ReadAsync(HttpResponseMessage response, int expectedStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != expectedStatus)
        {
            throw new Xunit.Sdk.XunitException($"Expected HTTP {expectedStatus}, got {(int)response.StatusCode}: {text}");
        }
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public async Task<TestReseller> CreateResellerAsync(decimal balance, string name = "Test Shop")
    {
        var reseller = await AdminPostAsync("/admin/v1/resellers", new { name }, 201);
        var id = reseller["id"]!.GetValue<int>();
        var key = await AdminPostAsync($"/admin/v1/resellers/{id}/api-keys", new { }, 201);
        if (balance > 0)
        {
            await AdminPostAsync($"/admin/v1/resellers/{id}/wallet/credits", new { amount = balance, note = "test funding" });
        }
        return new TestReseller(this, id, key["api_key"]!.GetValue<string>(), key["api_secret"]!.GetValue<string>());
    }

    public async Task<(int ProviderId, int ServiceId)> CreateServiceAsync(
        string connector = "manual", string moduleFields = "meter_number,bill_month,contact_number",
        decimal min = 10m, decimal max = 50_000m, decimal fee = 0m, decimal commission = 0m, string provider = "DESCO",
        string? productCode = null)
    {
        var p = await AdminPostAsync("/admin/v1/providers", new { name = provider, logo = "desco.png" }, 201);
        var providerId = p["id"]!.GetValue<int>();
        var s = await AdminPostAsync($"/admin/v1/providers/{providerId}/services", new
        {
            name = provider + " Prepaid",
            logo = "prepaid.png",
            module_fields = moduleFields.Split(','),
            min_amount = min,
            max_amount = max,
            fee,
            commission,
            connector,
            connector_product_code = productCode,
        }, 201);
        return (providerId, s["id"]!.GetValue<int>());
    }

    public async Task<decimal> BalanceAsync(int resellerId) =>
        (await AdminGetAsync($"/admin/v1/resellers/{resellerId}"))["balance"]!.GetValue<decimal>();

    public async Task AssertLedgerOkAsync()
    {
        var check = await AdminGetAsync("/admin/v1/ledger/check");
        Xunit.Assert.True(check["ok"]!.GetValue<bool>(), check.ToJsonString());
    }

    public string ReadLog() => ReadLogSince(0);

    /// <summary>How far the log file has been written (to read only what a test's own calls log, with <see cref="ReadLogSince"/>).</summary>
    public long LogLength => File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;

    public string ReadLogSince(long offset)
    {
        using var stream = new FileStream(LogFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

public sealed record TestReseller(PaymentHubApp App, int Id, string ApiKey, string ApiSecret)
{
    public Task<(int Status, JsonNode Body)> BillAsync(string action, params (string Key, string Value)[] fields) =>
        PostFormAsync($"/api/bill-payment.php?action={action}", fields);

    public async Task<(int Status, JsonNode Body)> PostFormAsync(
        string path, (string Key, string Value)[] fields, Action<HttpRequestMessage>? configure = null, CancellationToken cancel = default)
    {
        using var client = App.CreateClient();
        var form = new List<KeyValuePair<string, string>> { new("api_key", ApiKey), new("api_secret", ApiSecret) };
        form.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        configure?.Invoke(request);
        using var response = await client.SendAsync(request, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);
        JsonNode body;
        try
        {
            body = JsonNode.Parse(text) ?? new JsonObject();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"Reply was not JSON (HTTP {(int)response.StatusCode}): {text}");
        }
        return ((int)response.StatusCode, body);
    }

    public Task<decimal> BalanceAsync() => App.BalanceAsync(Id);

    /// <summary>
    /// The bill order's status_check reply once it is no longer Processing (settled by the gateway's worker, in real time),
    /// or the last reply when <paramref name="seconds"/> have passed.
    /// </summary>
    public async Task<JsonNode> WaitForFinalBillAsync(string orderNumber, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var body = (await BillAsync("status_check", ("order_number", orderNumber))).Body;
            if (body["status"]!.GetValue<string>() != "Processing" || DateTime.UtcNow > deadline)
            {
                return body;
            }
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The status_check reply of a bill on the sandbox connector once it has settled, without waiting for the sandbox's
    /// <see cref="SandboxBillConnector.CompletionDelay"/>: the gateway's <paramref name="clock"/> is moved past it and the bill
    /// worker run until the order has left Processing (the gateway's own loop may hold it during a pass, hence the poll).
    /// One status_check is sent, after that.
    /// </summary>
    public async Task<JsonNode> SettleSandboxBillAsync(TestClock clock, string orderNumber)
    {
        clock.Advance(SandboxBillConnector.CompletionDelay);
        var worker = App.Services.GetRequiredService<BillFulfilmentWorker>();
        await Poll.UntilAsync(async () =>
        {
            await worker.RunOnceAsync(CancellationToken.None);
            return await App.WithDbAsync(db => db.BillOrders.AnyAsync(o => o.OrderNumber == orderNumber && o.Status != BillOrderStatus.Processing));
        }, settled => settled, seconds: 15, intervalMs: 50);
        return (await BillAsync("status_check", ("order_number", orderNumber))).Body;
    }
}
