using System.Globalization;
using System.Text.RegularExpressions;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Observability;

/// <summary>
/// Alone in its collection, run after the parallel ones: the PaymentHub meter is process-wide, and other test hosts
/// settling orders at the same time would move the counters this test compares.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(MetricsCollection))]
public sealed partial class MetricsTests() : GatewayTest("metrics")
{
    [Fact]
    public async Task A_scrape_after_a_bill_and_a_ledger_check_shows_them()
    {
        var before = await ScrapeAsync();
        var shop = await App.CreateResellerAsync(500m, "Metered Shop");
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number", provider: "Metered Power", commission: 1m);
        var (status, submitted) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "120"), ("meter_number", "7"));
        Assert.Equal(200, status);
        var orderNumber = submitted["order_number"]!.GetValue<string>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string orderStatus;
        do
        {
            await Task.Delay(100);
            orderStatus = (await shop.BillAsync("status_check", ("order_number", orderNumber))).Body["status"]!.GetValue<string>();
        }
        while (orderStatus == "Processing" && DateTime.UtcNow < deadline);
        Assert.Equal("Success", orderStatus);
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
    }

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
