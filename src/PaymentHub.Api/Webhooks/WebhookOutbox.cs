using System.Globalization;
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
    /// <summary>Adds the event's rows to <paramref name="db"/> (not saved). <paramref name="data"/> is the object as the reseller API reports it.</summary>
    public async Task EnqueueAsync(PaymentHubDbContext db, int resellerId, string type, string orderKey, object data, CancellationToken ct)
    {
        var endpoints = await SubscribedAsync(db, resellerId, type, ct);
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
        foreach (var endpointId in endpoints)
        {
            db.Set<WebhookDelivery>().Add(new WebhookDelivery
            {
                EndpointId = endpointId,
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

    /// <summary>wallet.credited / wallet.debited, with the wallet's balance after the movement.</summary>
    public async Task OnWalletPostedAsync(PaymentHubDbContext db, WalletPosting posting, CancellationToken ct)
    {
        var resellerId = await db.Resellers.Where(r => r.WalletAccountId == posting.WalletAccountId).Select(r => (int?)r.Id).FirstOrDefaultAsync(ct);
        var type = posting.Amount > 0 ? WebhookEvents.WalletCredited : WebhookEvents.WalletDebited;
        if (resellerId is not { } id || (await SubscribedAsync(db, id, type, ct)).Count == 0)
        {
            return;
        }
        // The wallet row was just updated in this transaction, so this is the balance the movement left.
        var balance = await db.LedgerAccounts.Where(a => a.Id == posting.WalletAccountId).Select(a => a.Balance).SingleAsync(ct);
        await EnqueueAsync(db, id, type, posting.Reference, new JsonObject
        {
            ["success"] = true,
            ["kind"] = PaymentHubDbContext.SnakeCase(posting.Kind.ToString()),
            ["reference"] = posting.Reference,
            ["description"] = posting.Description,
            ["amount"] = Money.Format(posting.Amount),
            ["balance"] = Money.Format(balance),
            ["created_at"] = posting.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        }, ct);
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

    private static async Task<List<long>> SubscribedAsync(PaymentHubDbContext db, int resellerId, string type, CancellationToken ct)
    {
        var endpoints = await db.Set<WebhookEndpoint>().AsNoTracking()
            .Where(e => e.ResellerId == resellerId && e.Status == WebhookEndpointStatus.Enabled)
            .OrderBy(e => e.Id)
            .Select(e => new { e.Id, e.Events })
            .ToListAsync(ct);
        return endpoints.Where(e => WebhookEvents.Split(e.Events).Contains(type, StringComparer.Ordinal)).Select(e => e.Id).ToList();
    }
}
