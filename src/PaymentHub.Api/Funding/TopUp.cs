using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PaymentHub.Resellers;

namespace PaymentHub.Funding;

public enum FundingGateway
{
    ShurjoPay,
    SecureSoftPay,
    /// <summary>PaymentHub's own fake checkout page, for trying funding locally: Development only (<see cref="SandboxGateway"/>).</summary>
    Sandbox,
}

public enum TopUpStatus
{
    /// <summary>Created; the gateway has not answered yet.</summary>
    Initiating,
    /// <summary>The customer has a payment page; no verified payment yet.</summary>
    Pending,
    /// <summary>Waiting for an operator: verification unavailable, or the gateway reports something that does not match.</summary>
    Review,
    Completed,
    Failed,
    Cancelled,
    /// <summary>Not paid in time. A payment the gateway later verifies still completes it.</summary>
    Expired,
    /// <summary>An operator refused it. Final.</summary>
    Rejected,
}

/// <summary>One attempt of a reseller to put money into the wallet through a payment gateway.</summary>
public sealed class TopUp
{
    public long Id { get; set; }
    /// <summary>The public reference (the reseller's <c>topup_id</c>, the order id sent to the gateway).</summary>
    public required string Reference { get; set; }
    public int ResellerId { get; set; }
    public Reseller? Reseller { get; set; }
    public FundingGateway Gateway { get; set; }
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public TopUpStatus Status { get; set; }
    public string? PaymentUrl { get; set; }
    /// <summary>The gateway's id of the payment session (shurjoPay's <c>sp_order_id</c>).</summary>
    public string? GatewayOrderId { get; set; }
    /// <summary>The gateway's id of the payment (SecureSoftPay's <c>transaction_id</c>, shurjoPay's bank transaction id).</summary>
    public string? GatewayTransactionId { get; set; }
    public string? GatewayCode { get; set; }
    public string? GatewayMessage { get; set; }
    public string? PaymentMethod { get; set; }
    public decimal? VerifiedAmount { get; set; }
    public decimal Fee { get; set; }
    public long? CreditJournalId { get; set; }
    public string? ReturnUrl { get; set; }
    public string? CustomerName { get; set; }
    public string? CustomerPhone { get; set; }
    public string? CustomerEmail { get; set; }
    public string? ReviewReason { get; set; }
    public string? Note { get; set; }
    public required string InitiatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    /// <summary>When the background job asks the gateway again; null when there is nothing to ask.</summary>
    public DateTime? NextCheckAt { get; set; }
    public int CheckAttempts { get; set; }
}

public sealed class TopUpConfiguration : IEntityTypeConfiguration<TopUp>
{
    public void Configure(EntityTypeBuilder<TopUp> builder)
    {
        builder.ToTable("top_ups");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Reference).HasMaxLength(32).IsRequired();
        builder.HasIndex(t => t.Reference).IsUnique();
        builder.HasOne(t => t.Reseller).WithMany().HasForeignKey(t => t.ResellerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(t => new { t.ResellerId, t.CreatedAt });
        builder.Property(t => t.Gateway).HasMaxLength(16);
        builder.Property(t => t.Currency).HasMaxLength(3);
        builder.Property(t => t.Status).HasMaxLength(16);
        builder.Property(t => t.PaymentUrl).HasMaxLength(2000);
        builder.Property(t => t.GatewayOrderId).HasMaxLength(64);
        builder.Property(t => t.GatewayTransactionId).HasMaxLength(64);
        // A gateway's payment can pay for one top-up only: the database refuses a second claim, on any instance.
        builder.HasIndex(t => new { t.Gateway, t.GatewayOrderId }).IsUnique();
        builder.HasIndex(t => new { t.Gateway, t.GatewayTransactionId }).IsUnique();
        builder.Property(t => t.GatewayCode).HasMaxLength(32);
        builder.Property(t => t.GatewayMessage).HasMaxLength(500);
        builder.Property(t => t.PaymentMethod).HasMaxLength(64);
        builder.Property(t => t.ReturnUrl).HasMaxLength(500);
        builder.Property(t => t.CustomerName).HasMaxLength(100);
        builder.Property(t => t.CustomerPhone).HasMaxLength(32);
        builder.Property(t => t.CustomerEmail).HasMaxLength(200);
        builder.Property(t => t.ReviewReason).HasMaxLength(500);
        builder.Property(t => t.Note).HasMaxLength(500);
        builder.Property(t => t.InitiatedBy).HasMaxLength(100);
        builder.HasIndex(t => new { t.Status, t.NextCheckAt });
    }
}

/// <summary>The operator's settings of one funding gateway: on or off, limits and the fee the gateway keeps.</summary>
public sealed class FundingGatewaySettings
{
    public FundingGateway Gateway { get; set; }
    public bool IsEnabled { get; set; }
    public decimal MinAmount { get; set; }
    public decimal MaxAmount { get; set; }
    /// <summary>The gateway's fee, borne by the operator and booked as a separate entry: percent of the amount plus a fixed part.</summary>
    public decimal FeePercent { get; set; }
    public decimal FeeFixed { get; set; }
    public DateTime UpdatedAt { get; set; }

    public decimal FeeFor(decimal amount) =>
        Math.Min(amount, decimal.Round(amount * FeePercent / 100m + FeeFixed, 2, MidpointRounding.AwayFromZero));
}

public sealed class FundingGatewaySettingsConfiguration : IEntityTypeConfiguration<FundingGatewaySettings>
{
    public void Configure(EntityTypeBuilder<FundingGatewaySettings> builder)
    {
        builder.ToTable("funding_gateways");
        builder.HasKey(g => g.Gateway);
        builder.Property(g => g.Gateway).HasMaxLength(16);
        builder.Property(g => g.FeePercent).HasPrecision(5, 2);
    }
}
