using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Recharge;

/// <summary>
/// The cashback offers that are switched on, as every successful recharge looks for one that applies: kept in memory for
/// <see cref="CatalogCacheOptions.CacheSeconds"/> like the bill catalogue, so that a recharge no offer applies to (most of
/// them) reads nothing. It only says where to look: an offer found here is read again, with its grants, before it pays
/// (<see cref="RewardEngine"/>), so a deactivation counts at once on every instance. A new or changed offer counts at once
/// on the instance whose admin API took it (which calls <see cref="Clear"/>) and on the others when the list ages out.
/// The offers handed out are shared: read them, never change them.
/// </summary>
public sealed class ActiveOfferCache(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options)
{
    // One entry: the whole list.
    private readonly ExpiringCache<bool, IReadOnlyList<CashbackOffer>> _offers = new(clock);

    public ValueTask<IReadOnlyList<CashbackOffer>> GetAsync(PaymentHubDbContext db, CancellationToken ct) =>
        _offers.GetOrLoadAsync(true, TimeSpan.FromSeconds(Math.Max(0, options.CurrentValue.CacheSeconds)), (db, ct),
            static async s => (IReadOnlyList<CashbackOffer>)await ActiveOffersQuery.For(s.db)(s.db).ToListAsync(s.ct), static _ => true);

    /// <summary>After any change to the offers: the next recharge on this instance reads them again.</summary>
    public void Clear() => _offers.Clear();

    // Compiled once per model: the query runs whenever the list is read again.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, IAsyncEnumerable<CashbackOffer>>> ActiveOffersQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db) => db.CashbackOffers.AsNoTracking().Where(o => o.IsActive).OrderBy(o => o.Id).Select(o => o)));
}
