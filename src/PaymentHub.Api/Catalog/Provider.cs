using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Catalog;

public enum CatalogStatus
{
    Active,
    Inactive,
}

public sealed class Provider
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Logo { get; set; } = "";
    public CatalogStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class ProviderConfiguration : IEntityTypeConfiguration<Provider>
{
    public void Configure(EntityTypeBuilder<Provider> builder)
    {
        builder.ToTable("providers");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Name).HasMaxLength(100).IsRequired();
        builder.Property(p => p.Logo).HasMaxLength(300).IsRequired();
        builder.Property(p => p.Status).HasMaxLength(16);
    }
}
