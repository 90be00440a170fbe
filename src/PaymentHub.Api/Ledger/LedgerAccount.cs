using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Ledger;

public enum LedgerAccountKind
{
    ResellerWallet,
    OperatorFunding,
    FeeIncome,
    CommissionExpense,
    UpstreamPayable,
    RewardExpense,
    GatewayClearing,
    GatewayFeeExpense,
}

/// <summary>
/// A ledger account. Only reseller wallets keep a stored running balance (so that the non-negative rule
/// can be enforced with one conditional UPDATE); every other account's balance is the sum of its entries.
/// Keeping house accounts free of a balance row avoids a hot row that every order would have to lock.
/// </summary>
public sealed class LedgerAccount
{
    public long Id { get; set; }
    public required string Code { get; set; }
    public LedgerAccountKind Kind { get; set; }
    public int? ResellerId { get; set; }
    public decimal Balance { get; set; }
    public DateTime CreatedAt { get; set; }

    public bool TracksBalance => Kind == LedgerAccountKind.ResellerWallet;
}

public sealed class LedgerAccountConfiguration : IEntityTypeConfiguration<LedgerAccount>
{
    public void Configure(EntityTypeBuilder<LedgerAccount> builder)
    {
        builder.ToTable("ledger_accounts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Code).HasMaxLength(64).IsRequired();
        builder.HasIndex(a => a.Code).IsUnique();
        builder.Property(a => a.Kind).HasMaxLength(32);
        builder.HasIndex(a => a.ResellerId);
        builder.Ignore(a => a.TracksBalance);
    }
}
