using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Admin;

/// <summary>An operator's API key. Only its SHA-256 is stored; keys are 256-bit random values, so no stretching is needed.</summary>
public sealed class AdminKey
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required byte[] KeyHash { get; set; }
    public required string KeyPrefix { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

public sealed class AdminKeyConfiguration : IEntityTypeConfiguration<AdminKey>
{
    public void Configure(EntityTypeBuilder<AdminKey> builder)
    {
        builder.ToTable("admin_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Name).HasMaxLength(100).IsRequired();
        builder.Property(k => k.KeyHash).HasMaxLength(32).IsRequired();
        builder.HasIndex(k => k.KeyHash).IsUnique();
        builder.Property(k => k.KeyPrefix).HasMaxLength(16).IsRequired();
    }
}
