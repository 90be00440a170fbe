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
        Assert.True(await TracesExportedAsync(app, collector), "No trace export reached the collector.");
        // Not asserted: the provider's other reader, Prometheus's, is read by a scrape only and answers a flush with false.
        app.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);

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
        Assert.True(await TracesExportedAsync(app, collector), "No trace export reached the collector.");
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

    /// <summary>
    /// Flushes the traces until an export has reached the collector (false after 10 s). One flush right after the reply is not
    /// enough: the test client can read the whole reply before the gateway's request ends its span, and a flush with no finished
    /// span sends nothing (a full run saw this once, at five test classes at a time).
    /// </summary>
    private static async Task<bool> TracesExportedAsync(PaymentHubApp app, WireMockScope collector)
    {
        var tracer = app.Services.GetRequiredService<TracerProvider>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            Assert.True(tracer.ForceFlush(10_000));
            if (Exports(collector, "traces") > 0)
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(50);
        }
    }

    private static int Exports(WireMockScope collector, string signal) =>
        collector.Count(r => r.Method == "POST" && r.Path == $"/{collector.Prefix}/v1/{signal}");
}
