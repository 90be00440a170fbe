using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;

namespace PaymentHub.Webhooks;

public sealed record WebhookEndpointReply(
    long Id, int ResellerId, string Url, IReadOnlyList<string> Events, string Status, string? DisabledReason, DateTime? DisabledAt,
    DateTime? PreviousSecretExpiresAt, DateTime CreatedAt);

/// <summary>A new endpoint with its signing secret: the one reply that ever shows it.</summary>
public sealed record WebhookCreatedReply(
    long Id, int ResellerId, string Url, IReadOnlyList<string> Events, string Status, string SigningSecret, DateTime CreatedAt);

public sealed record WebhookSecretRotatedReply(long Id, string SigningSecret, DateTime PreviousSecretExpiresAt);

public sealed record WebhookAttemptReply(DateTime AttemptedAt, bool Succeeded, int? StatusCode, int LatencyMs, string? Response, string? Error);

public sealed record WebhookDeliveryReply(
    string EventId, string Type, string OrderKey, string Status, int Attempts, DateTime CreatedAt, DateTime? NextAttemptAt,
    DateTime? DeliveredAt, int? LastStatusCode, string? LastError, IReadOnlyList<WebhookAttemptReply> AttemptLog);

public enum WebhookChange
{
    Done,
    NotFound,
    Disabled,
}

/// <summary>
/// Endpoints and their deliveries, for the admin API and the reseller's callbacks.php alike: the rules (URL, events,
/// secrets, rotation, redelivery) are written once, here; each API only translates the answers into its own shape.
/// </summary>
public sealed class WebhookRegistry(
    PaymentHubDbContext db, WebhookSecrets secrets, WebhookOutbox outbox, IOptions<WebhookOptions> options, TimeProvider clock)
{
    public const int MaxEndpointsPerReseller = 10;

    private readonly WebhookOptions _options = options.Value;

    /// <summary>Why a callback URL is refused, or null when it is acceptable.</summary>
    public string? CheckUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return "The url is required.";
        }
        if (url.Length > 500 || url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return "The url must be an absolute https:// URL of at most 500 characters.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "The url must not carry credentials or a fragment.";
        }
        var local = _options.LocalEndpointsAllowed;
        if (!(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && local && WebhookAddressGuard.IsLoopbackHost(uri.Host))))
        {
            return "The url must use https.";
        }
        if (!local && (WebhookAddressGuard.IsLoopbackHost(uri.Host)
                       || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && !WebhookAddressGuard.IsPublic(ip))))
        {
            return "The url must not point to a private, loopback, link-local or reserved address.";
        }
        return null;
    }

    /// <summary>Creates an endpoint; the secret in the reply is not stored anywhere in clear.</summary>
    public async Task<(WebhookCreatedReply? Reply, string? Error)> CreateAsync(int resellerId, string? url, IReadOnlyList<string>? events, CancellationToken ct)
    {
        if (CheckUrl(url) is { } urlError)
        {
            return (null, urlError);
        }
        if (events is null)
        {
            return (null, "events must list one or more of: " + string.Join(", ", WebhookEvents.All) + " (or *).");
        }
        if (await db.Set<WebhookEndpoint>().CountAsync(e => e.ResellerId == resellerId, ct) >= MaxEndpointsPerReseller)
        {
            return (null, $"A reseller can have at most {MaxEndpointsPerReseller} callback endpoints.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var secret = WebhookSecrets.NewSecret();
        var endpoint = new WebhookEndpoint
        {
            ResellerId = resellerId, Url = url!, Events = WebhookEvents.Join(events), Status = WebhookEndpointStatus.Enabled,
            Secret = secrets.Protect(secret), CreatedAt = now, UpdatedAt = now,
        };
        db.Set<WebhookEndpoint>().Add(endpoint);
        await db.SaveChangesAsync(ct);
        outbox.EndpointsAdded();
        return (new WebhookCreatedReply(endpoint.Id, resellerId, endpoint.Url, events, Status(endpoint.Status), secret, now), null);
    }

    public async Task<List<WebhookEndpointReply>> ListAsync(int resellerId, CancellationToken ct) =>
        (await db.Set<WebhookEndpoint>().AsNoTracking().Where(e => e.ResellerId == resellerId).OrderBy(e => e.Id).ToListAsync(ct))
        .Select(ToReply).ToList();

    public async Task<WebhookEndpointReply?> FindAsync(long id, int? resellerId, CancellationToken ct) =>
        await Owned(id, resellerId).AsNoTracking().FirstOrDefaultAsync(ct) is { } endpoint ? ToReply(endpoint) : null;

    /// <summary>A new secret; the one it replaces keeps signing (as a second v1=) until the overlap ends.</summary>
    public async Task<WebhookSecretRotatedReply?> RotateAsync(long id, int? resellerId, CancellationToken ct)
    {
        var endpoint = await Owned(id, resellerId).FirstOrDefaultAsync(ct);
        if (endpoint is null)
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var secret = WebhookSecrets.NewSecret();
        endpoint.PreviousSecret = endpoint.Secret;
        endpoint.PreviousSecretExpiresAt = now.AddHours(Math.Max(0, _options.SecretOverlapHours));
        endpoint.Secret = secrets.Protect(secret);
        endpoint.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return new WebhookSecretRotatedReply(endpoint.Id, secret, endpoint.PreviousSecretExpiresAt.Value);
    }

    /// <summary>Deletes the endpoint with its deliveries and their attempts.</summary>
    public async Task<bool> DeleteAsync(long id, int? resellerId, CancellationToken ct)
    {
        var endpoint = await Owned(id, resellerId).FirstOrDefaultAsync(ct);
        if (endpoint is null)
        {
            return false;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var deliveries = db.Set<WebhookDelivery>().Where(d => d.EndpointId == id);
        await db.Set<WebhookAttempt>().Where(a => deliveries.Any(d => d.Id == a.DeliveryId)).ExecuteDeleteAsync(ct);
        await deliveries.ExecuteDeleteAsync(ct);
        db.Set<WebhookEndpoint>().Remove(endpoint);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Turns a disabled endpoint back on (its failing run starts afresh); failed deliveries stay failed until redelivered.</summary>
    public async Task<bool> EnableAsync(long id, int? resellerId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var enabled = await Owned(id, resellerId).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Status, WebhookEndpointStatus.Enabled)
            .SetProperty(e => e.DisabledReason, (string?)null)
            .SetProperty(e => e.DisabledAt, (DateTime?)null)
            .SetProperty(e => e.FailingSince, (DateTime?)null)
            .SetProperty(e => e.UpdatedAt, now), ct) == 1;
        outbox.EndpointsAdded();
        return enabled;
    }

    /// <summary>The endpoint's latest deliveries, newest first, each with its attempts.</summary>
    public async Task<List<WebhookDeliveryReply>> DeliveriesAsync(long endpointId, int limit, CancellationToken ct)
    {
        var rows = await db.Set<WebhookDelivery>().AsNoTracking().Where(d => d.EndpointId == endpointId)
            .OrderByDescending(d => d.Id).Take(Math.Clamp(limit, 1, 200))
            .Include(d => d.AttemptLog.OrderBy(a => a.Id))
            .ToListAsync(ct);
        return rows.Select(d => new WebhookDeliveryReply(d.EventId, d.EventType, d.OrderKey, Status(d.Status), d.Attempts, d.CreatedAt,
            d.NextAttemptAt, d.DeliveredAt, d.LastStatusCode, d.LastError,
            d.AttemptLog.Select(a => new WebhookAttemptReply(a.AttemptedAt, a.Succeeded, a.StatusCode, a.LatencyMs, a.Response, a.Error)).ToList()))
            .ToList();
    }

    /// <summary>Sends one event again (now, with a fresh retry window), whatever became of it; null when there is no such event.</summary>
    public Task<(WebhookChange Change, int Count)> RedeliverAsync(long endpointId, int? resellerId, string eventId, CancellationToken ct) =>
        RequeueAsync(endpointId, resellerId, d => d.EventId == eventId, ct);

    /// <summary>Sends again every delivery of the endpoint that failed and was written at or after <paramref name="since"/>.</summary>
    public Task<(WebhookChange Change, int Count)> RedeliverFailedAsync(long endpointId, int? resellerId, DateTime since, CancellationToken ct) =>
        RequeueAsync(endpointId, resellerId, d => d.Status == WebhookDeliveryStatus.Failed && d.CreatedAt >= since, ct);

    private async Task<(WebhookChange Change, int Count)> RequeueAsync(
        long endpointId, int? resellerId, System.Linq.Expressions.Expression<Func<WebhookDelivery, bool>> which, CancellationToken ct)
    {
        var status = await Owned(endpointId, resellerId).Select(e => (WebhookEndpointStatus?)e.Status).FirstOrDefaultAsync(ct);
        if (status is null)
        {
            return (WebhookChange.NotFound, 0);
        }
        if (status == WebhookEndpointStatus.Disabled)
        {
            return (WebhookChange.Disabled, 0);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var giveUp = now + _options.RetryWindow;
        // A row being sent right now (leased) is left alone: its attempt is under way.
        var count = await db.Set<WebhookDelivery>().Where(d => d.EndpointId == endpointId).Where(which)
            .Where(d => d.LeaseExpiresAt == null || d.LeaseExpiresAt < now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Pending)
                .SetProperty(d => d.Attempts, 0)
                .SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.GiveUpAt, giveUp), ct);
        return (WebhookChange.Done, count);
    }

    private IQueryable<WebhookEndpoint> Owned(long id, int? resellerId) =>
        db.Set<WebhookEndpoint>().Where(e => e.Id == id && (resellerId == null || e.ResellerId == resellerId));

    public static string Status<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static WebhookEndpointReply ToReply(WebhookEndpoint e) => new(
        e.Id, e.ResellerId, e.Url, WebhookEvents.Split(e.Events), Status(e.Status), e.DisabledReason, e.DisabledAt, e.PreviousSecretExpiresAt, e.CreatedAt);
}
