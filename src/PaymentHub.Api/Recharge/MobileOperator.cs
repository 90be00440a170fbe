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

    /// <summary>What a recharge needs of this operator, fixed at this moment (for the active-operator cache).</summary>
    public ActiveOperator ToActive() => new(Code, Name, PrefixList,
        new OperatorTerms(PrepaidMin, PrepaidMax, PrepaidCommissionType, PrepaidCommission),
        new OperatorTerms(PostpaidMin, PostpaidMax, PostpaidCommissionType, PostpaidCommission), Connector);

    /// <summary>
    /// Why these settings could make a recharge free, or null when they cannot: a fixed commission must stay below the
    /// account type's minimum amount, a percentage below 100.
    /// </summary>
    public string? CommissionProblem()
    {
        var active = ToActive();
        foreach (var accountType in new[] { AccountTypes.Prepaid, AccountTypes.Postpaid })
        {
            var terms = active.Terms(accountType);
            if (terms.CommissionType == CommissionType.Fixed && terms.Commission >= terms.Min)
            {
                return $"The {accountType} fixed commission ({Money.Format(terms.Commission)}) must be below the {accountType} minimum amount ({Money.Format(terms.Min)}).";
            }
            if (terms.CommissionType == CommissionType.Percent && terms.Commission >= 100m)
            {
                return $"The {accountType} percentage commission must be below 100.";
            }
        }
        return null;
    }
}

/// <summary>One account type's amount limits and the reseller's commission on it.</summary>
public sealed record OperatorTerms(decimal Min, decimal Max, CommissionType CommissionType, decimal Commission)
{
    /// <summary>
    /// The reseller's rebate on a recharge of <paramref name="amount"/>, or null when these settings would give all of it
    /// (or more) away: a recharge is never free, whatever is stored.
    /// </summary>
    public decimal? CommissionFor(decimal amount)
    {
        var commission = CommissionType == CommissionType.Percent
            ? decimal.Round(amount * Commission / 100m, 2, MidpointRounding.ToZero)
            : Commission;
        return commission < amount ? commission : null;
    }
}

/// <summary>
/// An active operator as every recharge checks and prices against it: an immutable copy, because the active-operator cache
/// hands the same instance to concurrent requests (an entity there could be changed under them).
/// </summary>
public sealed record ActiveOperator(
    string Code, string Name, IReadOnlyList<string> Prefixes, OperatorTerms Prepaid, OperatorTerms Postpaid, string Connector)
{
    /// <summary>The account type's limits and commission, as a recharge of that type is checked and priced.</summary>
    public OperatorTerms Terms(string accountType) => accountType == AccountTypes.Postpaid ? Postpaid : Prepaid;
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
