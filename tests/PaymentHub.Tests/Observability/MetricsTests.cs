using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Observability;
using PaymentHub.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace PaymentHub.Tests.Observability;

/// <summary>
/// Alone in its collection, run after the parallel ones: the PaymentHub meter is process-wide, and other test hosts
/// settling orders at the same time would move the counters this test compares.
/// </summary>
[CollectionDefinition(nameof(MetricsRunAlone), DisableParallelization = true)]
public sealed class MetricsRunAlone;

[Collection(nameof(MetricsRunAlone))]
public sealed partial class MetricsTests(MetricsTests.Gateway gateway) : IClassFixture<MetricsTests.Gateway>, IAsyncLifetime
{
    /// <summary>
    /// One gateway for the class, on a new database: a recycled one's name may label another pool of this process (an earlier
    /// test's own connections) in the scrape. Metrics at the gateway's default (on), which the harness turns off for every other test. The
    /// tests compare counters before and after what they do, and each waits for its own orders to settle, so they share it.
    /// </summary>
    public sealed class Gateway : AppFixture
    {
        public TestClock Clock { get; } = new();

        protected override Task<PaymentHubApp> StartAsync() =>
            PaymentHubApp.StartAsync("metrics", new Dictionary<string, string?> { ["Metrics:Enabled"] = null },
                services => services.AddSingleton<TimeProvider>(Clock), newDatabase: true);
    }

    private PaymentHubApp App => gateway.App;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => App.AssertLedgerOkAsync();

    [Fact]
    public async Task A_scrape_after_a_bill_and_a_ledger_check_shows_them()
    {
        var before = await ScrapeAsync();
        var shop = await App.CreateResellerAsync(500m, "Metered Shop");
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "Metered Power", commission: 1m);
        var (status, submitted) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "120"), ("meter_number", "7"));
        Assert.Equal(200, status);
        Assert.Equal("Success", await SettledStatusAsync(shop, submitted["order_number"]!.GetValue<string>()));
        var debited = 500m - await shop.BalanceAsync();
        Assert.True(debited > 0m);
        var check = await App.AdminGetAsync("/admin/v1/ledger/check");
        Assert.True(check["ok"]!.GetValue<bool>());

        var after = await ScrapeAsync();
        double Delta(string series) => after.GetValueOrDefault(series) - before.GetValueOrDefault(series);

        Assert.Equal(1, Delta("""paymenthub_orders_settled_total{paymenthub_connector="sandbox",paymenthub_order_kind="bill",paymenthub_order_status="Success"}"""));
        Assert.Equal(500d, Delta("""paymenthub_wallet_credited_BDT_total"""));
        Assert.Equal((double)debited, Delta("""paymenthub_wallet_debited_BDT_total"""));
        Assert.Equal(1, Delta("""paymenthub_ledger_check_duration_seconds_count{paymenthub_ledger_check_result="ok"}"""));
        Assert.Equal(0, Delta("""paymenthub_ledger_check_duration_seconds_count{paymenthub_ledger_check_result="broken"}"""));
        Assert.Equal(1, after["paymenthub_ledger_check_ok"]);
        Assert.Equal(0, after["""paymenthub_orders_unknown_outcome{paymenthub_order_kind="bill",paymenthub_order_state="waiting"}"""]);
        Assert.Equal(0, after["""paymenthub_orders_unknown_outcome{paymenthub_order_kind="recharge",paymenthub_order_state="flagged"}"""]);
        Assert.Equal(1, after["""paymenthub_upstream_circuit_breaker_state{paymenthub_connector="iak",state="closed"}"""]);
        Assert.Equal(0, after["""paymenthub_upstream_circuit_breaker_state{paymenthub_connector="iak",state="open"}"""]);
        // The instrumentations: ASP.NET Core (the reseller API's requests), HttpClient and Npgsql.
        Assert.True(after.Keys.Any(k => k.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
                                        && k.Contains("http_route=\"/api/bill-payment.php\"", StringComparison.Ordinal)), string.Join("\n", after.Keys));
        Assert.Contains(after.Keys, k => k.StartsWith("db_client_", StringComparison.Ordinal));
        // The database pool is named: no connection string (with its password) in a label.
        Assert.Contains("""db_client_connection_max{db_client_connection_pool_name="paymenthub"}""", after.Keys);
        // (Other pools of this test process are named by their connection strings: among them the tests' own connections to
        // this database, made with App.ConnectionString. The gateway's, configured with more options, must not appear.)
        var database = new Npgsql.NpgsqlConnectionStringBuilder(App.ConnectionString).Database!;
        var testsOwnPool = $"db_client_connection_pool_name=\"{App.ConnectionString}\"";
        Assert.DoesNotContain(after.Keys, k => k.Contains(database, StringComparison.Ordinal) && !k.Contains(testsOwnPool, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_debit_whose_transaction_rolls_back_is_not_counted()
    {
        var shop = await App.CreateResellerAsync(300m, "Rolled Back Shop");
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "Rolled Power");
        var before = await ScrapeAsync();
        // The debit is posted (the wallet row updated) and then the order cannot be written: the transaction rolls back.
        await PaymentHub.Tests.Infrastructure.Sql.ExecuteAsync(App, "ALTER TABLE bill_orders RENAME TO bill_orders_unavailable");
        try
        {
            var (refused, _) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
                ("amount", "100"), ("meter_number", "5"));
            Assert.Equal(500, refused);
        }
        finally
        {
            await PaymentHub.Tests.Infrastructure.Sql.ExecuteAsync(App, "ALTER TABLE bill_orders_unavailable RENAME TO bill_orders");
        }
        Assert.Equal(300m, await shop.BalanceAsync());
        var after = await ScrapeAsync();
        Assert.Equal(before.GetValueOrDefault("paymenthub_wallet_debited_BDT_total"), after.GetValueOrDefault("paymenthub_wallet_debited_BDT_total"));

        // The same submit once the table is back: counted.
        var (status, submitted) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "100"), ("meter_number", "5"));
        Assert.Equal(200, status);
        var counted = await ScrapeAsync();
        Assert.Equal((double)(300m - await shop.BalanceAsync()),
            counted["paymenthub_wallet_debited_BDT_total"] - after.GetValueOrDefault("paymenthub_wallet_debited_BDT_total"));
        Assert.Equal("Success", await SettledStatusAsync(shop, submitted["order_number"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_compose_profile_scrapes_the_gateway_and_the_dashboard_queries_only_exported_metrics()
    {
        var root = Repository.Root;
        var compose = LoadYaml(Path.Combine(root, "docker-compose.yml"));
        var services = (YamlMappingNode)compose["services"];
        Assert.Contains("/health/ready", string.Join(" ", ((YamlSequenceNode)services["gateway"]["healthcheck"]["test"]).Select(n => n.ToString())));
        Assert.Contains("8080:8080", ((YamlSequenceNode)services["gateway"]["ports"]).Select(n => n.ToString()));
        foreach (var name in new[] { "postgres", "gateway" })
        {
            Assert.False(((YamlMappingNode)services[name]).Children.ContainsKey("profiles"), $"{name} must run without a profile");
        }
        var mounts = new Dictionary<string, string>();
        foreach (var name in new[] { "prometheus", "grafana" })
        {
            Assert.Equal(["observability"], ((YamlSequenceNode)services[name]["profiles"]).Select(n => n.ToString()));
            foreach (var volume in ((YamlSequenceNode)services[name]["volumes"]).Select(n => n.ToString()).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                var parts = volume.Split(':');
                Assert.True(File.Exists(Path.Combine(root, parts[0])) || Directory.Exists(Path.Combine(root, parts[0])), $"{parts[0]} is mounted but missing");
                mounts[parts[1]] = parts[0];
            }
        }

        // Prometheus scrapes the gateway's /metrics on the compose network.
        var prometheus = LoadYaml(Path.Combine(root, mounts["/etc/prometheus/prometheus.yml"]));
        var job = (YamlMappingNode)((YamlSequenceNode)prometheus["scrape_configs"]).Single();
        Assert.Equal("/metrics", job["metrics_path"].ToString());
        Assert.Equal(["gateway:8080"], ((YamlSequenceNode)((YamlSequenceNode)job["static_configs"])[0]["targets"]).Select(n => n.ToString()));

        // Grafana: the data source points at that Prometheus, the dashboards provider at the mounted dashboards.
        var provisioning = Path.Combine(root, mounts["/etc/grafana/provisioning"]);
        var datasource = (YamlMappingNode)((YamlSequenceNode)LoadYaml(Path.Combine(provisioning, "datasources", "prometheus.yml"))["datasources"]).Single();
        Assert.Equal("http://prometheus:9090", datasource["url"].ToString());
        var provider = (YamlMappingNode)((YamlSequenceNode)LoadYaml(Path.Combine(provisioning, "dashboards", "paymenthub.yml"))["providers"]).Single();
        var dashboardsPath = provider["options"]["path"].ToString();
        var dashboardFile = Path.Combine(root, mounts[dashboardsPath], "paymenthub.json");
        var dashboard = JsonNode.Parse(File.ReadAllText(dashboardFile))!;
        var queries = dashboard["panels"]!.AsArray().Where(p => p!["targets"] is not null).SelectMany(p => p!["targets"]!.AsArray())
            .Select(t => (Uid: t!["datasource"]!["uid"]!.GetValue<string>(), Expr: t["expr"]!.GetValue<string>())).ToList();
        Assert.True(queries.Count >= 10);
        Assert.All(queries, q => Assert.Equal(datasource["uid"].ToString(), q.Uid));

        // A real scrape after what the dashboard shows has happened: a bill, an upstream call (refused), a ledger check.
        var shop = await App.CreateResellerAsync(100m, "Dashboard Shop");
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "Dashboard Power");
        var (status, submitted) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "20"), ("meter_number", "9"));
        Assert.Equal(200, status);
        Assert.Equal("Success", await SettledStatusAsync(shop, submitted["order_number"]!.GetValue<string>()));
        var iak = App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("iak");
        var noReply = await UpstreamCalls.SendAsync(iak, new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:9/inquiry"), NullLogger.Instance,
            "iak", "inquiry", CancellationToken.None);
        Assert.NotNull(noReply.NoReply);
        // No gateway is configured here; the top-up series is the one thing recorded directly, to learn its exported name.
        PaymentHubMetrics.TopUp("ShurjoPay", "Completed");
        await App.AssertLedgerOkAsync();
        var exported = (await ScrapeAsync()).Keys.Select(k => k.Split('{')[0]).ToHashSet(StringComparer.Ordinal);

        var missing = queries.SelectMany(q => MetricNames(q.Expr)).Distinct().Where(name => !exported.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"The dashboard queries metrics /metrics does not export: {string.Join(", ", missing)}");
        Assert.Contains("paymenthub_upstream_errors_total", queries.SelectMany(q => MetricNames(q.Expr)));
    }

    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "sum", "max", "min", "avg", "count", "rate", "increase", "irate", "histogram_quantile", "by", "without", "on", "ignoring", "and", "or", "unless",
    };

    /// <summary>The metric names in a PromQL expression: identifiers outside label matchers, groupings and range selectors.</summary>
    private static IEnumerable<string> MetricNames(string expr)
    {
        var bare = Regex.Replace(expr, @"\{[^}]*\}|\[[^\]]*\]|\b(by|without)\s*\([^)]*\)", " ");
        return Regex.Matches(bare, @"[a-zA-Z_:][a-zA-Z0-9_:]*").Select(m => m.Value).Where(w => !PromQlWords.Contains(w));
    }

    private static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    /// <summary>The order's status once it has left Processing (the sandbox's delay passed by moving the clock).</summary>
    private async Task<string> SettledStatusAsync(TestReseller shop, string orderNumber) =>
        (await shop.SettleSandboxBillAsync(gateway.Clock, orderNumber))["status"]!.GetValue<string>();

    /// <summary>Every sample of a /metrics scrape, by name and labels (labels sorted, otel_scope_* left out).</summary>
    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var client = App.CreateClient();
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(200, (int)response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "paymenthub-metrics-scrape.txt"), text);
        return Parse(text);
    }

    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Sample().Match(line);
            if (line.StartsWith('#') || !match.Success)
            {
                continue;
            }
            var labels = Label().Matches(match.Groups["labels"].Value)
                .Select(l => (Name: l.Groups["name"].Value, l.Groups["value"].Value))
                .Where(l => !l.Name.StartsWith("otel_scope_", StringComparison.Ordinal))
                .OrderBy(l => l.Name, StringComparer.Ordinal)
                .Select(l => $"{l.Name}=\"{l.Value}\"")
                .ToList();
            var key = labels.Count == 0 ? match.Groups["name"].Value : $"{match.Groups["name"].Value}{{{string.Join(",", labels)}}}";
            samples[key] = samples.GetValueOrDefault(key) + double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return samples;
    }

    [GeneratedRegex("""\A(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?\z""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)"\s*,?""")]
    private static partial Regex Label();
}
