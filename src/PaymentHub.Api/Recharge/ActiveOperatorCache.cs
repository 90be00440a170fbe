using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Catalog;
using PaymentHub.Data;

namespace PaymentHub.Recharge;

/// <summary>
/// The active operators, in their order, as every recharge checks its operator against them: kept in memory for
/// <see cref="CatalogCacheOptions.CacheSeconds"/> like the bill catalogue. A change through the admin API clears it on the
/// instance that made it at once; other instances see it when the list ages out. The operators handed out are shared:
/// read them, never change them.
/// </summary>
public sealed class ActiveOperatorCache(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options)
{
    private sealed record Entry(IReadOnlyList<MobileOperator> Operators, long LoadedAt);

    private Entry? _entry;

    // Bumped by Clear: a read under way when the operators changed keeps its list only if no Clear came in between.
    private long _generation;

    public async Task<IReadOnlyList<MobileOperator>> GetAsync(PaymentHubDbContext db, CancellationToken ct)
    {
        var ttl = TimeSpan.FromSeconds(Math.Max(0, options.CurrentValue.CacheSeconds));
        if (Volatile.Read(ref _entry) is { } cached && clock.GetElapsedTime(cached.LoadedAt) < ttl)
        {
            return cached.Operators;
        }
        var generation = Interlocked.Read(ref _generation);
        var loadedAt = clock.GetTimestamp();
        var operators = await ActiveOperatorsQuery.For(db)(db).ToListAsync(ct);
        if (ttl > TimeSpan.Zero)
        {
            var entry = new Entry(operators, loadedAt);
            Volatile.Write(ref _entry, entry);
            if (Interlocked.Read(ref _generation) != generation)
            {
                Interlocked.CompareExchange(ref _entry, null, entry);
            }
        }
        return operators;
    }

    /// <summary>After any change to the operators: the next recharge on this instance reads them again.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _entry, null);
    }

    // Compiled once per model: the query runs whenever the list is read again.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, IAsyncEnumerable<MobileOperator>>> ActiveOperatorsQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db) => db.MobileOperators.AsNoTracking().Where(o => o.IsActive).OrderBy(o => o.SortOrder).Select(o => o)));
}
