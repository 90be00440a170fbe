using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PaymentHub.Ledger;

namespace PaymentHub.Resellers;

public enum ResellerStatus
{
    Active,
    Suspended,
}

public sealed class Reseller
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public ResellerStatus Status { get; set; }
    public long WalletAccountId { get; set; }
    public LedgerAccount? WalletAccount { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class ResellerConfiguration : IEntityTypeConfiguration<Reseller>
{
    public void Configure(EntityTypeBuilder<Reseller> builder)
    {
        builder.ToTable("resellers");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Name).HasMaxLength(200).IsRequired();
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.HasOne(r => r.WalletAccount).WithMany().HasForeignKey(r => r.WalletAccountId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => r.WalletAccountId).IsUnique();
    }
}
