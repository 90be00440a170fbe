using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Recharge;

/// <summary>The reward programme's settings (one row, id 1).</summary>
public sealed class RewardSettings
{
    public int Id { get; set; }
    /// <summary>Points per successful recharge, as a percentage of the amount (0.5 gives 0.10 points on 20).</summary>
    public decimal PointsPercent { get; set; }
}

public sealed class RewardLevel
{
    public int Id { get; set; }
    public required string Key { get; set; }
    public required string Name { get; set; }
    public decimal MinLifetimePoints { get; set; }
}

public sealed class ResellerRewardAccount
{
    public int ResellerId { get; set; }
    public decimal Points { get; set; }
    public decimal LifetimePoints { get; set; }
    public int? LevelId { get; set; }
}

public enum CashbackType
{
    Fixed,
    Percent,
}

public sealed class CashbackOffer
{
    public int Id { get; set; }
    public required string Name { get; set; }
    /// <summary>Null for every operator.</summary>
    public string? OperatorCode { get; set; }
    public decimal MinAmount { get; set; }
    public CashbackType Type { get; set; }
    public decimal Value { get; set; }
    public decimal? MaxCashback { get; set; }
    public DateTime ValidFrom { get; set; }
    public DateTime ValidUntil { get; set; }
    public int MaxPerResellerPerDay { get; set; }
    public bool IsActive { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Whether a recharge of <paramref name="amount"/> to <paramref name="operatorCode"/> at <paramref name="now"/> qualifies (the daily cap aside).</summary>
    public bool AppliesTo(DateTime now, decimal amount, string operatorCode) => IsActive && ToActive().AppliesTo(now, amount, operatorCode);

    /// <summary>Which recharges this offer is for, fixed at this moment (for the active-offer cache).</summary>
    public ActiveOffer ToActive() => new(Id, OperatorCode, MinAmount, ValidFrom, ValidUntil);

    public decimal CashbackFor(decimal amount)
    {
        var cashback = Type == CashbackType.Percent ? decimal.Round(amount * Value / 100m, 2, MidpointRounding.ToZero) : Value;
        return MaxCashback is { } cap ? Math.Min(cashback, cap) : cashback;
    }
}

/// <summary>
/// Which recharges a switched-on offer is for: an immutable copy, because the active-offer cache hands the same instance to
/// concurrent requests.
/// </summary>
public sealed record ActiveOffer(int Id, string? OperatorCode, decimal MinAmount, DateTime ValidFrom, DateTime ValidUntil)
{
    /// <summary>Whether a recharge of <paramref name="amount"/> to <paramref name="operatorCode"/> at <paramref name="now"/> qualifies (the daily cap aside).</summary>
    public bool AppliesTo(DateTime now, decimal amount, string operatorCode) =>
        ValidFrom <= now && ValidUntil >= now && MinAmount <= amount && (OperatorCode == null || OperatorCode == operatorCode);
}

/// <summary>One cashback paid for one recharge; the unique recharge id makes it happen at most once.</summary>
public sealed class CashbackGrant
{
    public long Id { get; set; }
    public int OfferId { get; set; }
    public int ResellerId { get; set; }
    public long RechargeOrderId { get; set; }
    public decimal Amount { get; set; }
    public long JournalId { get; set; }
    public Ledger.LedgerJournal? Journal { get; set; }
    public DateTime GrantedAt { get; set; }
}

public sealed class RewardSettingsConfiguration : IEntityTypeConfiguration<RewardSettings>
{
    public void Configure(EntityTypeBuilder<RewardSettings> builder)
    {
        builder.ToTable("reward_settings");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.PointsPercent).HasPrecision(9, 4);
    }
}

public sealed class RewardLevelConfiguration : IEntityTypeConfiguration<RewardLevel>
{
    public void Configure(EntityTypeBuilder<RewardLevel> builder)
    {
        builder.ToTable("reward_levels");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).ValueGeneratedNever();
        builder.Property(l => l.Key).HasMaxLength(32).IsRequired();
        builder.HasIndex(l => l.Key).IsUnique();
        builder.Property(l => l.Name).HasMaxLength(100).IsRequired();
    }
}

public sealed class ResellerRewardAccountConfiguration : IEntityTypeConfiguration<ResellerRewardAccount>
{
    public void Configure(EntityTypeBuilder<ResellerRewardAccount> builder)
    {
        builder.ToTable("reseller_reward_accounts");
        builder.HasKey(a => a.ResellerId);
        builder.Property(a => a.ResellerId).ValueGeneratedNever();
        builder.HasOne<Resellers.Reseller>().WithMany().HasForeignKey(a => a.ResellerId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class CashbackOfferConfiguration : IEntityTypeConfiguration<CashbackOffer>
{
    public void Configure(EntityTypeBuilder<CashbackOffer> builder)
    {
        builder.ToTable("cashback_offers");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Name).HasMaxLength(100).IsRequired();
        builder.Property(o => o.OperatorCode).HasMaxLength(16);
        builder.Property(o => o.Type).HasMaxLength(16);
    }
}

public sealed class CashbackGrantConfiguration : IEntityTypeConfiguration<CashbackGrant>
{
    public void Configure(EntityTypeBuilder<CashbackGrant> builder)
    {
        builder.ToTable("cashback_grants");
        builder.HasKey(g => g.Id);
        builder.HasIndex(g => g.RechargeOrderId).IsUnique();
        builder.HasIndex(g => new { g.OfferId, g.ResellerId, g.GrantedAt });
        builder.HasOne<CashbackOffer>().WithMany().HasForeignKey(g => g.OfferId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<RechargeOrder>().WithMany().HasForeignKey(g => g.RechargeOrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(g => g.JournalId);
        builder.HasOne(g => g.Journal).WithMany().HasForeignKey(g => g.JournalId).OnDelete(DeleteBehavior.Restrict);
    }
}
