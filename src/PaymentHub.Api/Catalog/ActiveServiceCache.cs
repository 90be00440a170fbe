using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Catalog;

/// <summary>A service resellers may pay now: it and its provider are active.</summary>
public sealed record ActiveService(
    int Id, string Name, string ProviderName, IReadOnlyList<string> ModuleFieldList, decimal MinAmount, decimal MaxAmount,
    decimal Fee, decimal Commission, string Connector, string? ConnectorProductCode, string? CustomerNumberField);

public sealed class CatalogCacheOptions
{
    public const string Section = "Catalog";

    /// <summary>How long an active service is reused before it is read again; 0 reads it on every call.</summary>
    public double CacheSeconds { get; set; } = 5;
}

/// <summary>
/// The active services that bill submits and inquiries name, kept in memory for <see cref="CatalogCacheOptions.CacheSeconds"/>
/// so that a submit does not read the catalogue every time. A change through the admin API clears the cache of the instance
/// that made it at once; other instances see it when their entry ages out. A service that is not found or not active is
/// not kept: a reseller can name any id, and an unknown one must cost no memory.
/// </summary>
public sealed class ActiveServiceCache(TimeProvider clock, IOptionsMonitor<CatalogCacheOptions> options)
{
    private readonly ExpiringCache<(int ProviderId, int ServiceId), ActiveService?> _services = new(clock);

    public ValueTask<ActiveService?> FindAsync(PaymentHubDbContext db, int providerId, int serviceId, CancellationToken ct) =>
        _services.GetOrLoadAsync((providerId, serviceId), TimeSpan.FromSeconds(Math.Max(0, options.CurrentValue.CacheSeconds)),
            (db, providerId, serviceId, ct), static s => LoadAsync(s.db, s.providerId, s.serviceId, s.ct), static service => service is not null);

    /// <summary>After any change to providers or services: the next submit on this instance reads the catalogue again.</summary>
    public void Clear() => _services.Clear();

    /// <summary>The service as the database has it now, without the cache.</summary>
    public static async Task<ActiveService?> LoadAsync(PaymentHubDbContext db, int providerId, int serviceId, CancellationToken ct) =>
        await ActiveServiceQuery.For(db)(db, serviceId, providerId, ct) is { } row
            ? new ActiveService(row.Id, row.Name, row.ProviderName, BillService.SplitFields(row.ModuleFields), row.MinAmount,
                row.MaxAmount, row.Fee, row.Commission, row.Connector, row.ConnectorProductCode, row.CustomerNumberField)
            : null;

    private sealed record ActiveServiceRow(
        int Id, string Name, string ProviderName, string ModuleFields, decimal MinAmount, decimal MaxAmount, decimal Fee,
        decimal Commission, string Connector, string? ConnectorProductCode, string? CustomerNumberField);

    // Compiled once per model: EF's per-call translation cache lookup cost more than the query.
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, int, int, CancellationToken, Task<ActiveServiceRow?>>> ActiveServiceQuery = new(() =>
        EF.CompileAsyncQuery((PaymentHubDbContext db, int serviceId, int providerId, CancellationToken ct) =>
            db.BillServices.AsNoTracking()
                .Where(s => s.Id == serviceId && s.ProviderId == providerId && s.Status == CatalogStatus.Active
                            && s.Provider!.Status == CatalogStatus.Active)
                .Select(s => new ActiveServiceRow(s.Id, s.Name, s.Provider!.Name, s.ModuleFields, s.MinAmount, s.MaxAmount, s.Fee,
                    s.Commission, s.Connector, s.ConnectorProductCode, s.CustomerNumberField))
                .FirstOrDefault()));
}
