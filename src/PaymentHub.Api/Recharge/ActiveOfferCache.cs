using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Catalog;
using PaymentHub.Data;

namespace PaymentHub.Recharge;

/// <summary>
/// The cashback offers that are switched on, as every successful recharge looks for one that applies (a
/// <see cref="CachedList{T}"/>: the admin API clears it when it creates, changes or deactivates an offer), so that a
/// recharge no offer applies to (most of them) reads nothing. It only says where to look: an offer found here is read
/// again, with its grants, before it pays (<see cref="RewardEngine"/>), so a deactivation counts at once on every instance.
/// </summary>
public sealed class ActiveOfferCache(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options) : CachedList<ActiveOffer>(clock, options)
{
    protected override async Task<List<ActiveOffer>> LoadAsync(PaymentHubDbContext db, CancellationToken ct) =>
        (await ActiveOffersQuery.For(db)(db).ToListAsync(ct)).ConvertAll(o => o.ToActive());

    // Compiled once per model: the query runs whenever the list is read again.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, IAsyncEnumerable<CashbackOffer>>> ActiveOffersQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db) => db.CashbackOffers.AsNoTracking().Where(o => o.IsActive).OrderBy(o => o.Id).Select(o => o)));
}
