using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Ledger;

public enum JournalKind
{
    OperatorCredit,
    OperatorDebit,
    BillOrderDebit,
    BillOrderRefund,
    RechargeDebit,
    RechargeRefund,
    Cashback,
    TopUpCredit,
}

/// <summary>One balanced movement of money. (Kind, Reference) is unique, so a refund can be written only once.</summary>
public sealed class LedgerJournal
{
    public long Id { get; init; }
    public JournalKind Kind { get; init; }
    public required string Reference { get; init; }
    public string? Description { get; init; }
    public DateTime CreatedAt { get; init; }
    public List<LedgerEntry> Entries { get; init; } = [];
}

public sealed class LedgerJournalConfiguration : IEntityTypeConfiguration<LedgerJournal>
{
    public void Configure(EntityTypeBuilder<LedgerJournal> builder)
    {
        builder.ToTable("ledger_journals");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Kind).HasMaxLength(32);
        builder.Property(j => j.Reference).HasMaxLength(64).IsRequired();
        builder.Property(j => j.Description).HasMaxLength(500);
        // One journal of a kind per reference. Reference first, so that the same index also finds every journal of an
        // order (its debit, refund and cashback) by reference alone; every posting inserts into it, so one index, not two.
        builder.HasIndex(j => new { j.Reference, j.Kind }).IsUnique();
        builder.HasMany(j => j.Entries).WithOne().HasForeignKey(e => e.JournalId).OnDelete(DeleteBehavior.Restrict);
    }
}
