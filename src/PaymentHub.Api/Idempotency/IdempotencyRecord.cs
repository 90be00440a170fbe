using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Idempotency;

/// <summary>
/// The first answer to a reseller request that carried a request_id / Idempotency-Key.
/// (ResellerId, Scope, Key) is unique, so a key is charged once whatever the races.
/// </summary>
public sealed class IdempotencyRecord
{
    public long Id { get; set; }
    public int ResellerId { get; set; }
    public required string Scope { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int? ResponseStatus { get; set; }
    public string? ResponseBody { get; set; }
    public string? OrderNumber { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Scope).HasMaxLength(32).IsRequired();
        builder.Property(r => r.Key).HasMaxLength(100).IsRequired();
        builder.Property(r => r.RequestHash).HasMaxLength(64).IsRequired();
        builder.Property(r => r.ResponseBody).HasMaxLength(8000);
        builder.Property(r => r.OrderNumber).HasMaxLength(40);
        builder.HasIndex(r => new { r.ResellerId, r.Scope, r.Key }).IsUnique();
    }
}
