using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Resellers;

/// <summary>A reseller's api_key / api_secret pair. The secret is kept only as a keyed hash (HMAC-SHA256).</summary>
public sealed class ApiCredential
{
    public int Id { get; set; }
    public int ResellerId { get; set; }
    public Reseller? Reseller { get; set; }
    public required string ApiKey { get; set; }
    public required byte[] SecretHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

public sealed class ApiCredentialConfiguration : IEntityTypeConfiguration<ApiCredential>
{
    public void Configure(EntityTypeBuilder<ApiCredential> builder)
    {
        builder.ToTable("api_credentials");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.ApiKey).HasMaxLength(64).IsRequired();
        builder.HasIndex(c => c.ApiKey).IsUnique();
        builder.Property(c => c.SecretHash).HasMaxLength(32).IsRequired();
        builder.HasOne(c => c.Reseller).WithMany().HasForeignKey(c => c.ResellerId).OnDelete(DeleteBehavior.Restrict);
    }
}
