using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Catalog;

/// <summary>A payable bill service of a provider (nurr calls these "services").</summary>
public sealed class BillService
{
    public int Id { get; set; }
    public int ProviderId { get; set; }
    public Provider? Provider { get; set; }
    public required string Name { get; set; }
    public string Logo { get; set; } = "";
    /// <summary>Comma-joined, in the order the reseller API lists them (nurr's <c>module_name</c>).</summary>
    public required string ModuleFields { get; set; }
    public decimal MinAmount { get; set; }
    public decimal MaxAmount { get; set; }
    public decimal Fee { get; set; }
    public decimal Commission { get; set; }
    public required string Connector { get; set; }
    public string? ConnectorProductCode { get; set; }
    /// <summary>The module field that carries the customer/meter number for an upstream; defaults to the first field.</summary>
    public string? CustomerNumberField { get; set; }
    public CatalogStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public IReadOnlyList<string> ModuleFieldList => SplitFields(ModuleFields);

    public static IReadOnlyList<string> SplitFields(string joined) =>
        joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class BillServiceConfiguration : IEntityTypeConfiguration<BillService>
{
    public void Configure(EntityTypeBuilder<BillService> builder)
    {
        builder.ToTable("bill_services");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(100).IsRequired();
        builder.Property(s => s.Logo).HasMaxLength(300).IsRequired();
        builder.Property(s => s.ModuleFields).HasMaxLength(500).IsRequired();
        builder.Property(s => s.Connector).HasMaxLength(32).IsRequired();
        builder.Property(s => s.ConnectorProductCode).HasMaxLength(64);
        builder.Property(s => s.CustomerNumberField).HasMaxLength(64);
        builder.Property(s => s.Status).HasMaxLength(16);
        // A provider's services are listed together (GET /admin/v1/providers/{id}/services).
        builder.HasIndex(s => s.ProviderId);
        builder.HasOne(s => s.Provider).WithMany().HasForeignKey(s => s.ProviderId).OnDelete(DeleteBehavior.Restrict);
        builder.Ignore(s => s.ModuleFieldList);
    }
}
