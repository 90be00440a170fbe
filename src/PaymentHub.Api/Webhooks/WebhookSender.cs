using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Admin;
using PaymentHub.Data;
using PaymentHub.Fulfilment;

namespace PaymentHub.Webhooks;

/// <summary>What one HTTP attempt came to.</summary>
public sealed record WebhookAttemptResult(bool Succeeded, int? StatusCode, int LatencyMs, string? Response, string? Error);

/// <summary>
/// Delivers the outbox. Rows are claimed under a lease (the <see cref="Leases"/> rule: held while the expiry has not
/// passed) with <c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so instances sharing the database never send one row at the
/// same time; a row waits while an earlier row of its endpoint and order key is pending, so each order's events arrive
/// in order. A failed attempt is retried with exponential backoff until the delivery's retry window ends; an endpoint
/// that has failed every attempt for <see cref="WebhookOptions.DisableAfterFailingHours"/> is disabled.
/// </summary>
public sealed partial class WebhookSender(
    IServiceScopeFactory scopes, IHttpClientFactory httpClients, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookSender> logger)
    : BackgroundService
{
    public const string HttpClientName = "PaymentHub.Webhooks";
    public const string SignatureHeader = "PaymentHub-Signature";
    public const string EventIdHeader = "PaymentHub-Event-Id";
    public const string EventTypeHeader = "PaymentHub-Event-Type";

    private readonly WebhookOptions _options = options.Value;
    private readonly string _instanceId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _options.SenderEnabled
        ? PollingLoop.RunAsync(RunOnceAsync, TimeSpan.FromMilliseconds(_options.PollIntervalMs), clock, LogLoopFailed, stoppingToken)
        : Task.CompletedTask;

    /// <summary>One pass: claims what is due and attempts each once. Returns how many it attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        List<long> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            claimed = await ClaimAsync(scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>(), ct);
        }
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (id, token) => await DeliverAsync(id, token));
        return claimed.Count;
    }

    private async Task<List<long>> ClaimAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var skipLocked = db.IsPostgres ? "FOR UPDATE SKIP LOCKED" : "";
        // {0} owner, {1} lease expiry, {2} now, {3} batch size, {4} the Pending status as stored.
        var statement = $$"""
            UPDATE "webhook_deliveries" SET "lease_owner" = {0}, "lease_expires_at" = {1}
            WHERE "id" IN (
                SELECT d."id" FROM "webhook_deliveries" d
                WHERE d."status" = {4} AND d."next_attempt_at" IS NOT NULL AND d."next_attempt_at" <= {2}
                  AND (d."lease_expires_at" IS NULL OR d."lease_expires_at" < {2})
                  AND NOT EXISTS (
                      SELECT 1 FROM "webhook_deliveries" e
                      WHERE e."endpoint_id" = d."endpoint_id" AND e."order_key" = d."order_key" AND e."id" < d."id"
                        AND e."status" = {4})
                ORDER BY d."next_attempt_at", d."id"
                LIMIT {3}
                {{skipLocked}})
            RETURNING "id" AS "Value"
            """;
        return await db.Database.SqlQueryRaw<long>(statement, _instanceId, now + _options.Lease, now, Math.Max(1, _options.BatchSize),
            nameof(WebhookDeliveryStatus.Pending)).ToListAsync(ct);
    }

    private async Task DeliverAsync(long id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentHubDbContext>();
        var delivery = await db.Set<WebhookDelivery>().AsNoTracking().Include(d => d.Endpoint)
            .SingleOrDefaultAsync(d => d.Id == id && d.LeaseOwner == _instanceId, ct);
        if (delivery?.Endpoint is not { } endpoint)
        {
            return;
        }
        if (endpoint.Status != WebhookEndpointStatus.Enabled)
        {
            await db.Set<WebhookDelivery>().Where(d => d.Id == id && d.LeaseOwner == _instanceId).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Failed).SetProperty(d => d.NextAttemptAt, (DateTime?)null)
                .SetProperty(d => d.LastError, "Not sent: the endpoint is disabled.")
                .SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null), ct);
            return;
        }
        var result = await SendAsync(delivery, endpoint, scope.ServiceProvider.GetRequiredService<WebhookSecrets>(), ct);
        await RecordAsync(db, delivery, result, ct);
        if (result.Succeeded)
        {
            LogDelivered(delivery.EventId, endpoint.Id, result.StatusCode ?? 0, result.LatencyMs);
        }
        else
        {
            LogAttemptFailed(delivery.EventId, endpoint.Id, result.StatusCode, result.Error);
        }
    }

    /// <summary>The signature header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, plus a second v1 while a rotated-out secret overlaps.</summary>
    public static string Signature(WebhookEndpoint endpoint, WebhookSecrets secrets, DateTimeOffset now, string body)
    {
        var timestamp = now.ToUnixTimeSeconds();
        var header = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1={WebhookSecrets.Sign(secrets.Unprotect(endpoint.Secret), timestamp, body)}"));
        if (endpoint.PreviousSecret is { } previous && endpoint.PreviousSecretExpiresAt > now.UtcDateTime)
        {
            header.Append(CultureInfo.InvariantCulture, $",v1={WebhookSecrets.Sign(secrets.Unprotect(previous), timestamp, body)}");
        }
        return header.ToString();
    }

    private async Task<WebhookAttemptResult> SendAsync(WebhookDelivery delivery, WebhookEndpoint endpoint, WebhookSecrets secrets, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(endpoint, secrets, clock.GetUtcNow(), delivery.Payload));
        request.Headers.TryAddWithoutValidation(EventIdHeader, delivery.EventId);
        request.Headers.TryAddWithoutValidation(EventTypeHeader, delivery.EventType);
        // The timeout is wall-clock time on purpose: it bounds real network I/O, whatever clock the retries are scheduled by.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.AttemptTimeout);
        var started = Stopwatch.GetTimestamp();
        int Elapsed() => (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        try
        {
            using var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var text = await ReadStartAsync(response, timeout.Token);
            var ok = status is >= 200 and <= 299;
            var error = ok ? null
                : status is >= 300 and <= 399 ? $"Redirect not followed (Location: {Cut(response.Headers.Location?.ToString(), 300)})."
                : $"The endpoint answered {status}.";
            return new WebhookAttemptResult(ok, status, Elapsed(), text, error);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new WebhookAttemptResult(false, null, Elapsed(), null, $"No answer within {_options.AttemptTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.InnerException as WebhookAddressRefusedException is { } refused ? refused.Message : ex.Message;
            return new WebhookAttemptResult(false, null, Elapsed(), null, Cut(reason, 500));
        }
    }

    private static async Task<string?> ReadStartAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[WebhookDeliveryConfiguration.MaxResponseChars * 4];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0)
        {
            read += n;
        }
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return read == 0 ? null : Cut(text, WebhookDeliveryConfiguration.MaxResponseChars);
    }

    private async Task RecordAsync(PaymentHubDbContext db, WebhookDelivery delivery, WebhookAttemptResult result, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var attempts = delivery.Attempts + 1;
        var status = result.Succeeded ? WebhookDeliveryStatus.Delivered
            : now >= delivery.GiveUpAt ? WebhookDeliveryStatus.Failed
            : WebhookDeliveryStatus.Pending;
        DateTime? next = status == WebhookDeliveryStatus.Pending
            ? Min(now + RetryBackoff.Jittered(attempts - 1, TimeSpan.FromSeconds(_options.FirstRetrySeconds), TimeSpan.FromMinutes(_options.MaxRetryMinutes)), delivery.GiveUpAt)
            : null;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Set<WebhookAttempt>().Add(new WebhookAttempt
        {
            DeliveryId = delivery.Id, AttemptedAt = now, Succeeded = result.Succeeded, StatusCode = result.StatusCode,
            LatencyMs = result.LatencyMs, Response = result.Response, Error = Cut(result.Error, 500),
        });
        await db.SaveChangesAsync(ct);
        await db.Set<WebhookDelivery>().Where(d => d.Id == delivery.Id && d.LeaseOwner == _instanceId).ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, status)
            .SetProperty(d => d.Attempts, attempts)
            .SetProperty(d => d.NextAttemptAt, next)
            .SetProperty(d => d.LastAttemptAt, now)
            .SetProperty(d => d.DeliveredAt, result.Succeeded ? now : null)
            .SetProperty(d => d.LastStatusCode, result.StatusCode)
            .SetProperty(d => d.LastError, Cut(result.Error, 500))
            .SetProperty(d => d.LeaseOwner, (string?)null)
            .SetProperty(d => d.LeaseExpiresAt, (DateTime?)null), ct);
        await UpdateHealthAsync(db, delivery.EndpointId, result.Succeeded, now, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>A success ends the endpoint's failing run; a failure starts one, and a run as long as the limit disables it.</summary>
    private async Task UpdateHealthAsync(PaymentHubDbContext db, long endpointId, bool succeeded, DateTime now, CancellationToken ct)
    {
        var endpoints = db.Set<WebhookEndpoint>().Where(e => e.Id == endpointId);
        if (succeeded)
        {
            await endpoints.Where(e => e.FailingSince != null).ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, (DateTime?)null), ct);
            return;
        }
        await endpoints.Where(e => e.FailingSince == null).ExecuteUpdateAsync(s => s.SetProperty(e => e.FailingSince, now), ct);
        var since = now - TimeSpan.FromHours(_options.DisableAfterFailingHours);
        var failingSince = await endpoints.Select(e => e.FailingSince).SingleOrDefaultAsync(ct);
        if (failingSince is not { } start || start > since)
        {
            return;
        }
        var reason = $"Disabled automatically: every delivery attempt failed since {start:yyyy-MM-dd HH:mm:ss} UTC ({_options.DisableAfterFailingHours} hours).";
        var disabled = await endpoints.Where(e => e.Status == WebhookEndpointStatus.Enabled).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Status, WebhookEndpointStatus.Disabled)
            .SetProperty(e => e.DisabledReason, reason)
            .SetProperty(e => e.DisabledAt, now)
            .SetProperty(e => e.UpdatedAt, now), ct);
        if (disabled == 1)
        {
            db.AuditLog.Add(new AuditLogEntry
            {
                Actor = "webhook-sender", Action = "webhook.disabled", Target = $"/admin/v1/webhooks/{endpointId}",
                Details = reason, StatusCode = StatusCodes.Status200OK, At = now,
            });
            await db.SaveChangesAsync(ct);
            LogDisabled(endpointId, reason);
        }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static string? Cut(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    private void LogLoopFailed(Exception ex) => LogPassFailed(ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "A webhook delivery pass failed")]
    private partial void LogPassFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook event {WebhookEventId} delivered to endpoint {EndpointId}: {StatusCode} in {LatencyMs} ms")]
    private partial void LogDelivered(string webhookEventId, long endpointId, int statusCode, int latencyMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook event {WebhookEventId} to endpoint {EndpointId} failed ({StatusCode}): {Error}")]
    private partial void LogAttemptFailed(string webhookEventId, long endpointId, int? statusCode, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} disabled: {Reason}")]
    private partial void LogDisabled(long endpointId, string reason);
}
