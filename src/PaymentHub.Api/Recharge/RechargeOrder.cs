using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PaymentHub.Ledger;

namespace PaymentHub.Recharge;

public enum RechargeStatus
{
    Processing,
    Success,
    Failed,
}

public sealed class RechargeOrder : Fulfilment.ILeasedWork, IPaidByDebit
{
    public long Id { get; set; }
    public required string OrderNumber { get; set; }
    public int ResellerId { get; set; }
    public required string Phone { get; set; }
    public required string OperatorCode { get; set; }
    public required string OperatorName { get; set; }
    public required string AccountType { get; set; }
    public decimal Amount { get; set; }
    public decimal Commission { get; set; }
    public decimal DebitAmount { get; set; }
    public decimal BeforeBalance { get; set; }
    public decimal AfterBalance { get; set; }
    public RechargeStatus Status { get; set; }
    public string? OperatorTransactionId { get; set; }
    public string? FailureReason { get; set; }
    public long DebitJournalId { get; set; }
    public LedgerJournal? DebitJournal { get; set; }
    public long? RefundJournalId { get; set; }
    /// <summary>The reward block given on Success (JSON), so replies and replays show the same thing.</summary>
    public string? RewardResult { get; set; }

    public required string Connector { get; set; }
    public RechargeStage Stage { get; set; }
    public string? UpstreamRef { get; set; }
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public DateTime? FlaggedAt { get; set; }
    public string? FlagReason { get; set; }
    public string? LastError { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

public sealed class RechargeOrderConfiguration : IEntityTypeConfiguration<RechargeOrder>
{
    public void Configure(EntityTypeBuilder<RechargeOrder> builder)
    {
        builder.ToTable("recharge_orders");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.OrderNumber).HasMaxLength(40).IsRequired();
        builder.HasIndex(o => o.OrderNumber).IsUnique();
        builder.Property(o => o.Phone).HasMaxLength(11).IsRequired();
        builder.Property(o => o.OperatorCode).HasMaxLength(16).IsRequired();
        builder.Property(o => o.OperatorName).HasMaxLength(100).IsRequired();
        builder.Property(o => o.AccountType).HasMaxLength(16).IsRequired();
        builder.Property(o => o.Status).HasMaxLength(16);
        builder.Property(o => o.OperatorTransactionId).HasMaxLength(100);
        builder.Property(o => o.FailureReason).HasMaxLength(500);
        builder.Property(o => o.RewardResult).HasMaxLength(2000);
        builder.Property(o => o.Connector).HasMaxLength(32).IsRequired();
        builder.Property(o => o.Stage).HasMaxLength(32);
        builder.Property(o => o.UpstreamRef).HasMaxLength(64);
        builder.Property(o => o.LeaseOwner).HasMaxLength(100);
        builder.Property(o => o.FlagReason).HasMaxLength(500);
        builder.Property(o => o.LastError).HasMaxLength(1000);
        builder.HasIndex(o => new { o.ResellerId, o.CreatedAt });
        builder.HasIndex(o => new { o.Status, o.NextAttemptAt });
        builder.HasOne<Resellers.Reseller>().WithMany().HasForeignKey(o => o.ResellerId).OnDelete(DeleteBehavior.Restrict);
        // The journal and operator keys have no index of their own (PaymentHubDbContext.ConfigureConventions says why).
        builder.HasOne(o => o.DebitJournal).WithMany().HasForeignKey(o => o.DebitJournalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<LedgerJournal>().WithMany().HasForeignKey(o => o.RefundJournalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<MobileOperator>().WithMany().HasForeignKey(o => o.OperatorCode).OnDelete(DeleteBehavior.Restrict);
    }
}
