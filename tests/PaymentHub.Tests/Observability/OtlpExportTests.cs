using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PaymentHub.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Observability;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, traces and (unless <c>Metrics:Enabled=false</c>) metrics go out by OTLP, here
/// to a WireMock fake of a collector (OTLP over HTTP: <c>/v1/traces</c>, <c>/v1/metrics</c>).
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Traces_and_metrics_are_exported_to_the_collector()
    {
        await using var collector = await WireMockScope.StartAsync("otlp-both");
        await using var app = await StartAsync("otlp_both", collector, metrics: true);

        await app.AdminGetAsync("/admin/v1/ledger/check");
        Assert.True(app.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000));
        // Not asserted: the provider's other reader, Prometheus's, is read by a scrape only and answers a flush with false.
        app.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);

        Assert.True(Exports(collector, "traces") > 0, "No trace export reached the collector.");
        Assert.True(Exports(collector, "metrics") > 0, "No metric export reached the collector.");
        await app.AssertLedgerOkAsync();
    }

    [Fact]
    public async Task With_metrics_off_traces_are_exported_and_no_meter_provider_is_built()
    {
        await using var collector = await WireMockScope.StartAsync("otlp-traces");
        await using var app = await StartAsync("otlp_traces", collector, metrics: false);

        // An OTLP exporter switched on for every signal (UseOtlpExporter) built a meter provider here, and an empty
        // export every minute, although metrics were off.
        Assert.Null(app.Services.GetService<MeterProvider>());
        using (var client = app.CreateClient())
        using (var scrape = await client.GetAsync("/metrics"))
        {
            Assert.Equal(404, (int)scrape.StatusCode);
        }
        await app.AdminGetAsync("/admin/v1/ledger/check");
        Assert.True(app.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000));

        Assert.True(Exports(collector, "traces") > 0, "No trace export reached the collector.");
        Assert.Equal(0, Exports(collector, "metrics"));
        await app.AssertLedgerOkAsync();
    }

    private static Task<PaymentHubApp> StartAsync(string name, WireMockScope collector, bool metrics)
    {
        foreach (var signal in new[] { "traces", "metrics" })
        {
            // A collector accepts an export with an empty 200 reply.
            collector.Given(Request.Create().UsingPost().WithPath($"/{collector.Prefix}/v1/{signal}"))
                .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/x-protobuf"));
        }
        return PaymentHubApp.StartAsync(name, new Dictionary<string, string?>
        {
            ["Metrics:Enabled"] = metrics ? "true" : "false",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseUrl,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
    }

    private static int Exports(WireMockScope collector, string signal) =>
        collector.Count(r => r.Method == "POST" && r.Path == $"/{collector.Prefix}/v1/{signal}");
}
