using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Catalog;
using PaymentHub.Data;

namespace PaymentHub.Recharge;

/// <summary>
/// The active operators, in their order, as every recharge checks its operator against them (a <see cref="CachedList{T}"/>:
/// <c>PATCH /admin/v1/operators</c> clears it). Immutable copies, not the entities: the list is shared between requests.
/// </summary>
public sealed class ActiveOperatorCache(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options) : CachedList<ActiveOperator>(clock, options)
{
    protected override async Task<List<ActiveOperator>> LoadAsync(PaymentHubDbContext db, CancellationToken ct) =>
        (await ActiveOperatorsQuery.For(db)(db).ToListAsync(ct)).ConvertAll(o => o.ToActive());

    // Compiled once per model: the query runs whenever the list is read again.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, IAsyncEnumerable<MobileOperator>>> ActiveOperatorsQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db) => db.MobileOperators.AsNoTracking().Where(o => o.IsActive).OrderBy(o => o.SortOrder).Select(o => o)));
}
