using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Catalog;
using PaymentHub.Data;

namespace PaymentHub.Recharge;

/// <summary>
/// The active operators, in their order, as every recharge checks its operator against them (a <see cref="CachedList{T}"/>:
/// <c>PATCH /admin/v1/operators</c> clears it).
/// </summary>
public sealed class ActiveOperatorCache(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options) : CachedList<MobileOperator>(clock, options)
{
    protected override Task<List<MobileOperator>> LoadAsync(PaymentHubDbContext db, CancellationToken ct) =>
        ActiveOperatorsQuery.For(db)(db).ToListAsync(ct).AsTask();

    // Compiled once per model: the query runs whenever the list is read again.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, IAsyncEnumerable<MobileOperator>>> ActiveOperatorsQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db) => db.MobileOperators.AsNoTracking().Where(o => o.IsActive).OrderBy(o => o.SortOrder).Select(o => o)));
}
