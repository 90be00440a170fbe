using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Catalog;

/// <summary>
/// A whole list of reference data that a hot path consults on every request, kept in memory for
/// <see cref="CatalogCacheOptions.CacheSeconds"/> like the bill catalogue (see <see cref="ExpiringCache{TKey, TValue}"/>): a change
/// through the admin API calls <see cref="Clear"/> and counts at once on that instance; other instances see it when the
/// list ages out. The items handed out are shared between concurrent requests, so they are immutable records, never entities.
/// </summary>
public abstract class CachedList<T>(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options)
{
    // One entry: the whole list.
    private readonly ExpiringCache<bool, IReadOnlyList<T>> _list = new(clock);

    public ValueTask<IReadOnlyList<T>> GetAsync(PaymentHubDbContext db, CancellationToken ct) =>
        _list.GetOrLoadAsync(true, TimeSpan.FromSeconds(Math.Max(0, options.CurrentValue.CacheSeconds)), (List: this, db, ct),
            static async s => (IReadOnlyList<T>)await s.List.LoadAsync(s.db, s.ct), static _ => true);

    /// <summary>After any change to what the list holds: the next request on this instance reads it again.</summary>
    public void Clear() => _list.Clear();

    /// <summary>Reads the list from the database.</summary>
    protected abstract Task<List<T>> LoadAsync(PaymentHubDbContext db, CancellationToken ct);
}
