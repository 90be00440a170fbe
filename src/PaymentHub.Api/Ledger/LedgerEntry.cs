using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Ledger;

/// <summary>
/// An immutable posting. Positive amounts raise the account's balance (for a wallet: money owed to the reseller).
/// The database refuses UPDATE and DELETE on this table (trigger in the foundation migration).
/// </summary>
public sealed class LedgerEntry
{
    public long Id { get; init; }
    public long JournalId { get; init; }
    public long AccountId { get; init; }
    public decimal Amount { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed class LedgerEntryConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> builder)
    {
        builder.ToTable("ledger_entries");
        builder.HasKey(e => e.Id);
        // Statements read a wallet's entries by time, in (created_at, id) order.
        builder.HasIndex(e => new { e.AccountId, e.CreatedAt, e.Id });
        // A journal's entries are read together (a reversal, the ledger checks).
        builder.HasIndex(e => e.JournalId);
        builder.HasOne<LedgerAccount>().WithMany().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}
