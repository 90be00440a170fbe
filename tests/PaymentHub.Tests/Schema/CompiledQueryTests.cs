using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Bills;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Schema;

/// <summary>
/// The hot paths' compiled queries (<see cref="CompiledPerModel{TQuery}"/>) run against every EF model a process holds:
/// EF refuses to run one compiled query against a second model, and this process holds the PostgreSQL and the SQLite model.
/// </summary>
public sealed class CompiledQueryTests
{
    [Fact]
    public async Task The_service_lookup_finds_the_same_service_on_postgres_and_on_sqlite_in_one_process()
    {
        var postgres = await (await PostgresServer.GetAsync()).CreateMigratedDatabaseAsync("compiled");
        var sqlitePath = Path.Combine(Path.GetTempPath(), $"paymenthub-compiled-{Guid.NewGuid():N}.db");
        try
        {
            foreach (var (provider, connectionString) in new[]
                     { (DatabaseProvider.Postgres, postgres), (DatabaseProvider.Sqlite, $"Data Source={sqlitePath}") })
            {
                await using var db = DatabaseSetup.Create(provider, connectionString);
                if (provider == DatabaseProvider.Sqlite)
                {
                    await db.Database.MigrateAsync();
                }
                var (providerId, serviceId) = await SeedAsync(db);

                var found = await ActiveServiceCache.LoadAsync(db, providerId, serviceId, CancellationToken.None);
                Assert.NotNull(found);
                Assert.Equal(("Compiled Power", "Compiled prepaid", 12.50m), (found.ProviderName, found.Name, found.Fee));
                Assert.Equal(["meter_number", "bill_month"], found.ModuleFieldList);
                Assert.Null(await ActiveServiceCache.LoadAsync(db, providerId, serviceId + 1, CancellationToken.None));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(sqlitePath);
        }
    }

    private static async Task<(int ProviderId, int ServiceId)> SeedAsync(PaymentHubDbContext db)
    {
        var now = DateTime.UtcNow;
        var provider = new Provider { Name = "Compiled Power", Status = CatalogStatus.Active, CreatedAt = now, UpdatedAt = now };
        db.Providers.Add(provider);
        await db.SaveChangesAsync();
        var service = new BillService
        {
            ProviderId = provider.Id, Name = "Compiled prepaid", ModuleFields = "meter_number,bill_month", MinAmount = 10m,
            MaxAmount = 5_000m, Fee = 12.50m, Commission = 1m, Connector = "manual", Status = CatalogStatus.Active,
            CreatedAt = now, UpdatedAt = now,
        };
        db.BillServices.Add(service);
        await db.SaveChangesAsync();
        return (provider.Id, service.Id);
    }
}
