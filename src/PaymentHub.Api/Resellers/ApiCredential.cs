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
    /// <summary>When set, the key is refused from this instant on, as a revoked one is.</summary>
    public DateTime? ExpiresAt { get; set; }
    /// <summary>The key's own limits; null takes the default from <c>RateLimits:PerKey</c>.</summary>
    public int? RequestsPerSecond { get; set; }
    public int? Burst { get; set; }
    public int? RequestsPerMinute { get; set; }
    /// <summary>Normalised addresses and CIDR ranges, comma-separated (see <see cref="ApiKeyAllowlist"/>); null allows every address.</summary>
    public string? AllowedIps { get; set; }
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
        builder.Property(c => c.AllowedIps).HasMaxLength(ApiKeyAllowlist.MaxStoredLength);
        // A reseller's keys are listed and revoked together.
        builder.HasIndex(c => c.ResellerId);
        builder.HasOne(c => c.Reseller).WithMany().HasForeignKey(c => c.ResellerId).OnDelete(DeleteBehavior.Restrict);
    }
}
