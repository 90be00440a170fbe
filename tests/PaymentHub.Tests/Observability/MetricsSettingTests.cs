using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Observability;

/// <summary><c>Metrics:Enabled=false</c>: nothing listens to the meters. The default (on) is what MetricsTests scrape.</summary>
public sealed class MetricsSettingTests(GatewayFixture fixture)
    : GatewayTest(fixture, "metrics_setting", new Dictionary<string, string?> { ["Metrics:Enabled"] = "false" }), IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Off_there_is_no_scrape_endpoint_and_no_meter_provider_while_the_gateway_still_serves()
    {
        using var client = App.CreateClient();
        using var scrape = await client.GetAsync("/metrics");
        Assert.Equal(404, (int)scrape.StatusCode);
        Assert.Null(App.Services.GetService<MeterProvider>());

        var shop = await App.CreateResellerAsync(200m, "Unmetered Shop");
        var (providerId, serviceId) = await App.CreateServiceAsync(connector: "manual", moduleFields: "meter_number", provider: "Unmetered Power");
        var (status, _) = await shop.BillAsync("submit", ("provider_id", providerId.ToString()), ("service_id", serviceId.ToString()),
            ("amount", "50"), ("meter_number", "7"));
        Assert.Equal(200, status);
        Assert.True(await shop.BalanceAsync() < 200m);
    }
}
