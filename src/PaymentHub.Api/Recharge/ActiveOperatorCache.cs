using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Recharge;

/// <summary>
/// The active operators, in their order, as every recharge checks its operator against them: kept in memory for
/// <see cref="CatalogCacheOptions.CacheSeconds"/> like the bill catalogue. A change through the admin API clears it on the
/// instance that made it at once; other instances see it when the list ages out. The operators handed out are shared:
/// read them, never change them.
/// </summary>
public sealed class ActiveOperatorCache(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options)
{
    // One entry: the whole list.
    private readonly ExpiringCache<bool, IReadOnlyList<MobileOperator>> _operators = new(clock);

    public ValueTask<IReadOnlyList<MobileOperator>> GetAsync(PaymentHubDbContext db, CancellationToken ct) =>
        _operators.GetOrLoadAsync(true, TimeSpan.FromSeconds(Math.Max(0, options.CurrentValue.CacheSeconds)), (db, ct),
            static async s => (IReadOnlyList<MobileOperator>)await ActiveOperatorsQuery.For(s.db)(s.db).ToListAsync(s.ct), static _ => true);

    /// <summary>After any change to the operators: the next recharge on this instance reads them again.</summary>
    public void Clear() => _operators.Clear();

    // Compiled once per model: the query runs whenever the list is read again.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, IAsyncEnumerable<MobileOperator>>> ActiveOperatorsQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db) => db.MobileOperators.AsNoTracking().Where(o => o.IsActive).OrderBy(o => o.SortOrder).Select(o => o)));
}
