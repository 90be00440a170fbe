using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PaymentHub.Infrastructure;

namespace PaymentHub.Recharge;

public enum CommissionType
{
    Percent,
    Fixed,
}

/// <summary>A mobile operator as nurr names it (GP, "GP ST", BL, RB, AT, TT): prefixes, limits, commission and route.</summary>
public sealed class MobileOperator
{
    public required string Code { get; set; }
    public required string Name { get; set; }
    /// <summary>Comma-joined 3-digit prefixes of the 11-digit number, e.g. "017,013".</summary>
    public required string Prefixes { get; set; }
    public decimal PrepaidMin { get; set; }
    public decimal PrepaidMax { get; set; }
    public decimal PostpaidMin { get; set; }
    public decimal PostpaidMax { get; set; }
    public CommissionType PrepaidCommissionType { get; set; }
    public decimal PrepaidCommission { get; set; }
    public CommissionType PostpaidCommissionType { get; set; }
    public decimal PostpaidCommission { get; set; }
    public required string Connector { get; set; }
    public bool IsActive { get; set; }
    public int SortOrder { get; set; }

    public IReadOnlyList<string> PrefixList =>
        Prefixes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public (decimal Min, decimal Max) Limits(string accountType) =>
        accountType == AccountTypes.Postpaid ? (PostpaidMin, PostpaidMax) : (PrepaidMin, PrepaidMax);

    /// <summary>
    /// The reseller's rebate on a recharge of <paramref name="amount"/>, or null when these settings would give all of it
    /// (or more) away: a recharge is never free, whatever is stored.
    /// </summary>
    public decimal? CommissionFor(string accountType, decimal amount)
    {
        var (type, value) = Commission(accountType);
        var commission = type == CommissionType.Percent
            ? decimal.Round(amount * value / 100m, 2, MidpointRounding.ToZero)
            : value;
        return commission < amount ? commission : null;
    }

    /// <summary>
    /// Why these settings could make a recharge free, or null when they cannot: a fixed commission must stay below the
    /// account type's minimum amount, a percentage below 100.
    /// </summary>
    public string? CommissionProblem()
    {
        foreach (var accountType in new[] { AccountTypes.Prepaid, AccountTypes.Postpaid })
        {
            var (type, value) = Commission(accountType);
            var (min, _) = Limits(accountType);
            if (type == CommissionType.Fixed && value >= min)
            {
                return $"The {accountType} fixed commission ({Money.Format(value)}) must be below the {accountType} minimum amount ({Money.Format(min)}).";
            }
            if (type == CommissionType.Percent && value >= 100m)
            {
                return $"The {accountType} percentage commission must be below 100.";
            }
        }
        return null;
    }

    private (CommissionType Type, decimal Value) Commission(string accountType) => accountType == AccountTypes.Postpaid
        ? (PostpaidCommissionType, PostpaidCommission)
        : (PrepaidCommissionType, PrepaidCommission);
}

public static class AccountTypes
{
    public const string Prepaid = "prepaid";
    public const string Postpaid = "postpaid";
}

public sealed class MobileOperatorConfiguration : IEntityTypeConfiguration<MobileOperator>
{
    public void Configure(EntityTypeBuilder<MobileOperator> builder)
    {
        builder.ToTable("mobile_operators");
        builder.HasKey(o => o.Code);
        builder.Property(o => o.Code).HasMaxLength(16);
        builder.Property(o => o.Name).HasMaxLength(100).IsRequired();
        builder.Property(o => o.Prefixes).HasMaxLength(100).IsRequired();
        builder.Property(o => o.PrepaidCommissionType).HasMaxLength(16);
        builder.Property(o => o.PostpaidCommissionType).HasMaxLength(16);
        builder.Property(o => o.Connector).HasMaxLength(32).IsRequired();
        builder.Ignore(o => o.PrefixList);
    }
}
