using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PaymentHub.Bills;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Recharge;
using Polly.CircuitBreaker;

namespace PaymentHub.Observability.Setup;

/// <summary>
/// OpenTelemetry: metrics and traces of ASP.NET Core, every HttpClient call (upstreams, gateways) and Npgsql, plus the
/// <see cref="PaymentHubMetrics"/>. Prometheus scrapes /metrics (no collector needed); OTLP export is on when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OTEL_* variables configure it).
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "paymenthub";

    /// <summary>A bill's payment may have left and no answer is recorded: only a status query (or an operator) resolves it.</summary>
    private static readonly BillStage[] BillUnknownStages = [BillStage.Paying, BillStage.Checking, BillStage.Submitting];

    public static WebApplicationBuilder AddPaymentHubTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName));
        // One OTLP exporter per signal, not UseOtlpExporter: that one switches every signal on, and built a meter provider
        // (with an empty export every minute) even with metrics off. Logs are Serilog's and are not sent by OTLP.
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (MetricsEnabled(builder.Configuration))
        {
            otel.WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddMeter(PaymentHubMetrics.MeterName)
                    // No cached scrape: a scrape shows what happened up to that moment (Prometheus scrapes seldom anyway).
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
            builder.Services.AddHostedService<GaugeRegistration>();
        }
        // Traces only where they go somewhere: a listener makes every request, upstream call and SQL command record a
        // span (the statement's text included), which costs on the hot paths and is thrown away without an exporter.
        // Log lines carry the request's trace id either way (ASP.NET Core starts that activity for logging).
        if (otlp)
        {
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !IsScrapeOrProbe(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter());
        }
        return builder;
    }

    public static void MapPaymentHubMetrics(this WebApplication app)
    {
        if (MetricsEnabled(app.Configuration))
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }
    }

    /// <summary>
    /// <c>Metrics:Enabled</c> (default true). Off, nothing listens to the meters: no <c>/metrics</c>, no OTLP metrics, and
    /// the instruments record nothing. For a deployment that collects no metrics, and for the test host, where every
    /// in-process gateway's meter provider would listen to every other gateway's instruments as well (a provider listens
    /// by meter name, process-wide) and allocate its metric-point arrays for each of them.
    /// </summary>
    private static bool MetricsEnabled(IConfiguration configuration) => configuration.GetValue("Metrics:Enabled", true);

    private static bool IsScrapeOrProbe(PathString path) => path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health");

    /// <summary>
    /// The gauges read at each collection: orders whose outcome is unknown (waiting, or flagged for an operator) and each
    /// upstream's circuit-breaker state. Created on this host's meter factory, so they end with the host.
    /// </summary>
    private sealed class GaugeRegistration(IMeterFactory meters, IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var meter = meters.Create(PaymentHubMetrics.MeterName);
            meter.CreateObservableGauge("paymenthub.orders.unknown_outcome", UnknownOutcomes, "{order}",
                "Orders still Processing whose upstream outcome is unknown (state=waiting) or that are flagged for an operator (state=flagged).");
            meter.CreateObservableGauge("paymenthub.upstream.circuit_breaker.state", BreakerStates, "{state}",
                "1 for each upstream's current circuit-breaker state (closed, half_open, open, isolated), 0 for the others.");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private IEnumerable<Measurement<long>> UnknownOutcomes()
        {
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
            var bills = db.BillOrders.AsNoTracking().Where(o => o.Status == BillOrderStatus.Processing);
            var recharges = db.RechargeOrders.AsNoTracking().Where(o => o.Status == RechargeStatus.Processing);
            try
            {
                // Four counts over the open orders only (Processing), which the worker's own polling indexes serve.
                return
                [
                    Measure(bills.Count(o => o.FlaggedAt == null && BillUnknownStages.Contains(o.Stage)), "bill", "waiting"),
                    Measure(bills.Count(o => o.FlaggedAt != null), "bill", "flagged"),
                    Measure(recharges.Count(o => o.FlaggedAt == null && o.Stage == RechargeStage.Unknown), "recharge", "waiting"),
                    Measure(recharges.Count(o => o.FlaggedAt != null), "recharge", "flagged"),
                ];
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // No database, no reading: the series pause rather than report zero.
                return [];
            }
        }

        private static Measurement<long> Measure(int count, string kind, string state) =>
            new(count, new("paymenthub.order.kind", kind), new("paymenthub.order.state", state));

        private IEnumerable<Measurement<long>> BreakerStates() =>
            from upstream in UpstreamHttpClients.Upstreams(services)
            from state in Enum.GetValues<CircuitState>()
            select new Measurement<long>(upstream.Resilience.BreakerState == state ? 1 : 0,
                new("paymenthub.connector", upstream.Name), new("state", StateName(state)));

        private static string StateName(CircuitState state) => state switch
        {
            CircuitState.HalfOpen => "half_open",
            _ => state.ToString().ToLowerInvariant(),
        };
    }
}
