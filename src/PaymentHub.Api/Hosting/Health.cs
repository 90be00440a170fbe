using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PaymentHub.Connectors.Resilience;
using PaymentHub.Data;
using Polly.CircuitBreaker;

namespace PaymentHub.Hosting;

/// <summary>
/// /health (the database answers, as it always was), /health/live (the process serves; no check) and /health/ready
/// (the database answers, no migration is pending, no upstream's circuit breaker is open).
/// </summary>
public static class Health
{
    private const string Ready = "ready";

    public static IServiceCollection AddPaymentHubHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddDbContextCheck<PaymentHubDbContext>("database", tags: [Ready])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [Ready])
            .AddCheck<UpstreamBreakersHealthCheck>("upstream-breakers", tags: [Ready]);
        return services;
    }

    public static void MapPaymentHubHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = check => check.Name == "database" });
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteReadyAsync,
        });
    }

    /// <summary>Each check's status and description: enough for an operator, nothing from an exception.</summary>
    private static Task WriteReadyAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
}

public sealed class MigrationsHealthCheck(PaymentHubDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            return pending.Count == 0
                ? HealthCheckResult.Healthy("No pending migration.")
                : HealthCheckResult.Unhealthy($"{pending.Count} pending migration(s), first {pending[0]}.");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The migrations history could not be read.");
        }
    }
}

public sealed class UpstreamBreakersHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var states = UpstreamHttpClients.Upstreams(services).Select(u => (u.Name, u.Resilience.BreakerState)).ToList();
        var open = states.Where(s => s.BreakerState is CircuitState.Open or CircuitState.Isolated).Select(s => s.Name).ToList();
        var halfOpen = states.Where(s => s.BreakerState == CircuitState.HalfOpen).Select(s => s.Name).ToList();
        return Task.FromResult(open.Count > 0
            ? HealthCheckResult.Unhealthy($"Circuit open: {string.Join(", ", open)}.")
            : halfOpen.Count > 0
                ? HealthCheckResult.Degraded($"Circuit half-open: {string.Join(", ", halfOpen)}.")
                : HealthCheckResult.Healthy($"{states.Count} upstream circuit(s) closed."));
    }
}
