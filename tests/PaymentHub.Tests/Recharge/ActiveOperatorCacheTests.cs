using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Recharge;

/// <summary>The operator list of the recharge path, on a real PostgreSQL database: reused for its time to live, read again after it or a Clear.</summary>
public sealed class ActiveOperatorCacheTests
{
    [Fact]
    public async Task The_active_operators_are_reused_for_their_time_to_live_and_read_again_after_it_or_a_clear()
    {
        await using var db = DatabaseSetup.Create(DatabaseProvider.Postgres,
            await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("operator_cache"));
        var clock = new FakeTimeProvider();
        var cache = new ActiveOperatorCache(clock, new FixedOptionsMonitor<CatalogCacheOptions>(new CatalogCacheOptions { CacheSeconds = 5 }));
        var all = (await cache.GetAsync(db, CancellationToken.None)).Select(o => o.Code).ToList();
        Assert.Contains("BL", all);

        await db.MobileOperators.Where(o => o.Code == "BL").ExecuteUpdateAsync(s => s.SetProperty(o => o.IsActive, false));
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(all, (await cache.GetAsync(db, CancellationToken.None)).Select(o => o.Code));
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(all.Where(c => c != "BL"), (await cache.GetAsync(db, CancellationToken.None)).Select(o => o.Code));

        await db.MobileOperators.Where(o => o.Code == "BL").ExecuteUpdateAsync(s => s.SetProperty(o => o.IsActive, true));
        Assert.DoesNotContain("BL", (await cache.GetAsync(db, CancellationToken.None)).Select(o => o.Code));
        cache.Clear();
        Assert.Equal(all, (await cache.GetAsync(db, CancellationToken.None)).Select(o => o.Code));

        var uncached = new ActiveOperatorCache(clock, new FixedOptionsMonitor<CatalogCacheOptions>(new CatalogCacheOptions { CacheSeconds = 0 }));
        Assert.Equal(all, (await uncached.GetAsync(db, CancellationToken.None)).Select(o => o.Code));
        await db.MobileOperators.Where(o => o.Code == "BL").ExecuteUpdateAsync(s => s.SetProperty(o => o.IsActive, false));
        Assert.DoesNotContain("BL", (await uncached.GetAsync(db, CancellationToken.None)).Select(o => o.Code));
    }
}
