using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Connectors.Iak;

public enum IakProductStatus
{
    Active,
    Inactive,
}

/// <summary>
/// One product of IAK's postpaid price list (<c>pricelist-pasca</c>) as of the last sync, kept so that an operator can
/// see what IAK offers and create bill services from it. Upserted by <see cref="Code"/>; a product IAK stops listing
/// stays here as Inactive with <see cref="DelistedAt"/> set (services may still refer to its code).
/// </summary>
public sealed class SyncedIakProduct
{
    /// <summary>IAK's product code, e.g. <c>PLNPOSTPAID</c>: a service's <c>connector_product_code</c>.</summary>
    public required string Code { get; set; }
    public required string Name { get; set; }
    public string? Type { get; set; }
    public string? Category { get; set; }
    /// <summary>IAK's <c>fee</c>: the biller's admin fee, already part of the price an inquiry asks for (price = nominal + admin).</summary>
    public decimal? AdminFee { get; set; }
    /// <summary>IAK's <c>komisi</c>: what IAK gives back to us per payment (selling_price = price − commission).</summary>
    public decimal? IakCommission { get; set; }
    /// <summary>Active when IAK lists it with status 1; Inactive when IAK says "non active" (4) or no longer lists it.</summary>
    public IakProductStatus Status { get; set; }
    public DateTime FirstSyncedAt { get; set; }
    /// <summary>The last sync whose list carried this product.</summary>
    public DateTime SyncedAt { get; set; }
    /// <summary>When a sync first found the product missing from IAK's list; null while IAK lists it.</summary>
    public DateTime? DelistedAt { get; set; }
}

public sealed class SyncedIakProductConfiguration : IEntityTypeConfiguration<SyncedIakProduct>
{
    public void Configure(EntityTypeBuilder<SyncedIakProduct> builder)
    {
        builder.ToTable("iak_products");
        builder.HasKey(p => p.Code);
        builder.Property(p => p.Code).HasMaxLength(SyncedIakProductLimits.Code);
        builder.Property(p => p.Name).HasMaxLength(SyncedIakProductLimits.Name).IsRequired();
        builder.Property(p => p.Type).HasMaxLength(SyncedIakProductLimits.Kind);
        builder.Property(p => p.Category).HasMaxLength(SyncedIakProductLimits.Kind);
        builder.Property(p => p.Status).HasMaxLength(16);
    }
}

public static class SyncedIakProductLimits
{
    /// <summary>As long as a service's connector_product_code may be.</summary>
    public const int Code = 64;
    public const int Name = 200;
    public const int Kind = 64;
}
