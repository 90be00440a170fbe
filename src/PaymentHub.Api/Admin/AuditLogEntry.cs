using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Admin;

public sealed class AuditLogEntry
{
    public long Id { get; set; }
    public int? AdminKeyId { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Target { get; set; }
    public string? Details { get; set; }
    public int StatusCode { get; set; }
    public string? RemoteIp { get; set; }
    public DateTime At { get; set; }
}

public sealed class AuditLogEntryConfiguration : IEntityTypeConfiguration<AuditLogEntry>
{
    public void Configure(EntityTypeBuilder<AuditLogEntry> builder)
    {
        builder.ToTable("audit_log");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Actor).HasMaxLength(100).IsRequired();
        builder.Property(a => a.Action).HasMaxLength(200).IsRequired();
        builder.Property(a => a.Target).HasMaxLength(200);
        builder.Property(a => a.Details).HasMaxLength(4000);
        builder.Property(a => a.RemoteIp).HasMaxLength(64);
        builder.HasIndex(a => a.At);
    }
}
