using System.Globalization;
using System.Linq.Expressions;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Infrastructure;
using PaymentHub.Ledger;

namespace PaymentHub.Webhooks;

/// <summary>
/// Writes events into the outbox (<see cref="WebhookDelivery"/>), one row per enabled endpoint of the reseller that
/// subscribes to the event, on the caller's context: the caller saves them in the transaction of the state change that
/// raised the event, so an event exists exactly when its change committed. Nothing here sends or waits on the network.
/// </summary>
public sealed class WebhookOutbox(
    IOptions<WebhookOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider clock) : IWalletPostingListener
{
    // Each wallet's enabled endpoints, kept only when there are none (see PrepareAsync). Keyed by wallet, so bounded by
    // the number of resellers.
    private readonly ExpiringCache<long, List<EnabledEndpoint>> _walletsWithoutEndpoints = new(clock);

    /// <summary>Adds the event's rows to <paramref name="db"/> (not saved). <paramref name="data"/> is the object as the reseller API reports it.</summary>
    public async Task EnqueueAsync(PaymentHubDbContext db, int resellerId, string type, string orderKey, object data, CancellationToken ct)
    {
        var endpoints = Subscribed(await EnabledEndpoints(db, e => e.ResellerId == resellerId).ToListAsync(ct), type);
        Add(db, endpoints, resellerId, type, orderKey, data);
    }

    /// <summary>
    /// wallet.credited / wallet.debited, with the wallet's balance after the movement. The endpoints are read before the
    /// wallet row is locked, in one query (the wallet's owner and its endpoints together); a subscribed wallet's event is
    /// added once the ledger has updated it. Most resellers have no endpoint: that answer is remembered for
    /// <see cref="WebhookOptions.NoEndpointCacheSeconds"/>, so their postings (every submit and recharge) skip the read. An
    /// endpoint added or enabled on this instance counts at once, on another instance within that time.
    /// </summary>
    public async Task<Action<decimal>?> PrepareAsync(PaymentHubDbContext db, WalletPosting posting, CancellationToken ct)
    {
        var walletEndpoints = await _walletsWithoutEndpoints.GetOrLoadAsync(posting.WalletAccountId,
            TimeSpan.FromSeconds(Math.Max(0, options.Value.NoEndpointCacheSeconds)), (db, posting.WalletAccountId, ct),
            static s => WalletEndpointsQuery.For(s.db)(s.db, s.WalletAccountId).ToListAsync(s.ct).AsTask(), static endpoints => endpoints.Count == 0);
        var type = posting.Amount > 0 ? WebhookEvents.WalletCredited : WebhookEvents.WalletDebited;
        var endpoints = Subscribed(walletEndpoints, type);
        if (endpoints.Count == 0)
        {
            return null;
        }
        return balance =>
        {
            Add(db, endpoints, endpoints[0].ResellerId, type, posting.Reference, new JsonObject
            {
                ["success"] = true,
                ["kind"] = PaymentHubDbContext.SnakeCase(posting.Kind.ToString()),
                ["reference"] = posting.Reference,
                ["description"] = posting.Description,
                ["amount"] = Money.Format(posting.Amount),
                ["balance"] = Money.Format(balance),
                ["created_at"] = posting.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            });
        };
    }

    /// <summary>After an endpoint is created or enabled on this instance: every wallet's endpoints are read again.</summary>
    public void EndpointsAdded() => _walletsWithoutEndpoints.Clear();

    private void Add(PaymentHubDbContext db, List<EnabledEndpoint> endpoints, int resellerId, string type, string orderKey, object data)
    {
        if (endpoints.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var eventId = "evt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var body = new JsonObject
        {
            ["event_id"] = eventId,
            ["type"] = type,
            ["created_at"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["data"] = data as JsonNode ?? JsonSerializer.SerializeToNode(data, data.GetType(), json.Value.SerializerOptions),
        };
        var payload = body.ToJsonString();
        foreach (var endpoint in endpoints)
        {
            db.Set<WebhookDelivery>().Add(new WebhookDelivery
            {
                EndpointId = endpoint.Id,
                ResellerId = resellerId,
                EventId = eventId,
                EventType = type,
                OrderKey = orderKey.Length <= 64 ? orderKey : orderKey[..64],
                Payload = payload,
                Status = WebhookDeliveryStatus.Pending,
                NextAttemptAt = now,
                GiveUpAt = now + options.Value.RetryWindow,
                CreatedAt = now,
            });
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the caller's transaction if there is one, else in a new one it commits; the work's
    /// tracked changes are saved before the commit. For state changes that are a single statement today.
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(PaymentHubDbContext db, Func<Task<T>> work, Func<T, bool> commit, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            var joined = await work();
            await db.SaveChangesAsync(ct);
            return joined;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await work();
        if (!commit(result))
        {
            await tx.RollbackAsync(ct);
            return result;
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return result;
    }

    private sealed record EnabledEndpoint(long Id, int ResellerId, string Events);

    // The one definition of an endpoint that events go to, and of what is read of it, for both queries below (EF inlines
    // expression-valued fields into the query, compiled or not).
    private static readonly Expression<Func<WebhookEndpoint, bool>> IsEnabled = e => e.Status == WebhookEndpointStatus.Enabled;
    private static readonly Expression<Func<WebhookEndpoint, EnabledEndpoint>> AsEnabledEndpoint = e => new EnabledEndpoint(e.Id, e.ResellerId, e.Events);

    private static IQueryable<EnabledEndpoint> EnabledEndpoints(PaymentHubDbContext db, Expression<Func<WebhookEndpoint, bool>> owner) =>
        db.Set<WebhookEndpoint>().AsNoTracking().Where(IsEnabled).Where(owner).OrderBy(e => e.Id).Select(AsEnabledEndpoint);

    // Compiled once per model: every wallet posting (each bill submit and recharge) runs it.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, long, IAsyncEnumerable<EnabledEndpoint>>> WalletEndpointsQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db, long walletAccountId) =>
            db.Set<WebhookEndpoint>().AsNoTracking().Where(IsEnabled)
                .Where(e => db.Resellers.Any(r => r.Id == e.ResellerId && r.WalletAccountId == walletAccountId))
                .OrderBy(e => e.Id).Select(AsEnabledEndpoint)));

    private static List<EnabledEndpoint> Subscribed(List<EnabledEndpoint> endpoints, string type) =>
        endpoints.Where(e => WebhookEvents.Split(e.Events).Contains(type, StringComparer.Ordinal)).ToList();
}
