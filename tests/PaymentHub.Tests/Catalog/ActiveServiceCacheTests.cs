using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Catalog;

/// <summary>
/// The catalogue cache of the submit path, on a real PostgreSQL database: a change made elsewhere (another instance, seen
/// here as a direct write) applies once the entry ages out, a Clear applies at once, and unknown services are never kept.
/// </summary>
public sealed class ActiveServiceCacheTests
{
    [Fact]
    public async Task An_active_service_is_reused_for_its_time_to_live_and_read_again_after_it_or_a_clear()
    {
        await using var db = await CreateDatabaseAsync();
        var (providerId, serviceId) = await SeedAsync(db);
        var clock = new FakeTimeProvider();
        var cache = new ActiveServiceCache(clock, new FixedOptionsMonitor<CatalogCacheOptions>(new CatalogCacheOptions { CacheSeconds = 5 }));

        Assert.Equal(1.00m, (await cache.FindAsync(db, providerId, serviceId, CancellationToken.None))!.Fee);
        await db.BillServices.Where(s => s.Id == serviceId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Fee, 2.00m));
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(1.00m, (await cache.FindAsync(db, providerId, serviceId, CancellationToken.None))!.Fee);
        clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(2.00m, (await cache.FindAsync(db, providerId, serviceId, CancellationToken.None))!.Fee);

        await db.BillServices.Where(s => s.Id == serviceId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, CatalogStatus.Inactive));
        Assert.NotNull(await cache.FindAsync(db, providerId, serviceId, CancellationToken.None));
        cache.Clear();
        Assert.Null(await cache.FindAsync(db, providerId, serviceId, CancellationToken.None));
    }

    [Fact]
    public async Task A_service_that_is_not_found_or_not_active_is_not_kept()
    {
        await using var db = await CreateDatabaseAsync();
        var (providerId, serviceId) = await SeedAsync(db, CatalogStatus.Inactive);
        var cache = new ActiveServiceCache(new FakeTimeProvider(), new FixedOptionsMonitor<CatalogCacheOptions>(new CatalogCacheOptions { CacheSeconds = 60 }));

        Assert.Null(await cache.FindAsync(db, providerId, serviceId, CancellationToken.None));
        Assert.Null(await cache.FindAsync(db, providerId, serviceId + 1000, CancellationToken.None));
        await db.BillServices.Where(s => s.Id == serviceId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, CatalogStatus.Active));
        Assert.NotNull(await cache.FindAsync(db, providerId, serviceId, CancellationToken.None));
        // Named with the wrong provider, the service is not found, and that answer is not kept for the right pair either.
        Assert.Null(await cache.FindAsync(db, providerId + 1000, serviceId, CancellationToken.None));
    }

    [Fact]
    public async Task A_time_to_live_of_zero_reads_the_database_every_time()
    {
        await using var db = await CreateDatabaseAsync();
        var (providerId, serviceId) = await SeedAsync(db);
        var cache = new ActiveServiceCache(new FakeTimeProvider(), new FixedOptionsMonitor<CatalogCacheOptions>(new CatalogCacheOptions { CacheSeconds = 0 }));

        Assert.NotNull(await cache.FindAsync(db, providerId, serviceId, CancellationToken.None));
        await db.BillServices.Where(s => s.Id == serviceId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Fee, 3.00m));
        Assert.Equal(3.00m, (await cache.FindAsync(db, providerId, serviceId, CancellationToken.None))!.Fee);
    }


    private static async Task<PaymentHubDbContext> CreateDatabaseAsync() =>
        DatabaseSetup.Create(DatabaseProvider.Postgres, await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("catalog_cache"));

    private static async Task<(int ProviderId, int ServiceId)> SeedAsync(PaymentHubDbContext db, CatalogStatus status = CatalogStatus.Active)
    {
        var now = DateTime.UtcNow;
        var provider = new Provider { Name = "Cache Power", Status = CatalogStatus.Active, CreatedAt = now, UpdatedAt = now };
        db.Providers.Add(provider);
        await db.SaveChangesAsync();
        var service = new BillService
        {
            ProviderId = provider.Id, Name = "Cache prepaid", ModuleFields = "meter_number", MinAmount = 10m, MaxAmount = 5_000m,
            Fee = 1.00m, Commission = 0.25m, Connector = "manual", Status = status, CreatedAt = now, UpdatedAt = now,
        };
        db.BillServices.Add(service);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        return (provider.Id, service.Id);
    }
}
