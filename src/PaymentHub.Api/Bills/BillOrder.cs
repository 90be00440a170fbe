using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PaymentHub.Bills;

public enum BillOrderStatus
{
    Processing,
    Success,
    Cancelled,
}

public sealed class BillOrder : Fulfilment.ILeasedWork, Ledger.IPaidByDebit
{
    public long Id { get; set; }
    public required string OrderNumber { get; set; }
    public int ResellerId { get; set; }
    public int ProviderId { get; set; }
    public int ServiceId { get; set; }
    public required string ProviderName { get; set; }
    public required string ServiceName { get; set; }
    /// <summary>The module fields the reseller sent (JSON object, bill_month excluded), in the service's order.</summary>
    public required string ModuleData { get; set; }
    public string? BillMonth { get; set; }
    public decimal Amount { get; set; }
    public decimal Fee { get; set; }
    public decimal Commission { get; set; }
    public decimal TotalAmount { get; set; }
    public decimal DebitAmount { get; set; }
    public BillOrderStatus Status { get; set; }
    public string? TokenNumber { get; set; }
    public string? CancelNote { get; set; }
    public long DebitJournalId { get; set; }
    public Ledger.LedgerJournal? DebitJournal { get; set; }
    public long? RefundJournalId { get; set; }

    // Fulfilment state. Connector and product code are copied from the service at submit time, so that an
    // operator re-routing a service never re-routes an order that may already be with an upstream.
    public required string Connector { get; set; }
    public string? ConnectorProductCode { get; set; }
    public string? CustomerNumber { get; set; }
    public Fulfilment.BillStage Stage { get; set; }
    public string? UpstreamRef { get; set; }
    public string? UpstreamState { get; set; }
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

public sealed class BillOrderConfiguration : IEntityTypeConfiguration<BillOrder>
{
    public void Configure(EntityTypeBuilder<BillOrder> builder)
    {
        builder.ToTable("bill_orders");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.OrderNumber).HasMaxLength(40).IsRequired();
        builder.HasIndex(o => o.OrderNumber).IsUnique();
        builder.Property(o => o.ProviderName).HasMaxLength(100).IsRequired();
        builder.Property(o => o.ServiceName).HasMaxLength(100).IsRequired();
        builder.Property(o => o.ModuleData).HasMaxLength(4000).IsRequired();
        builder.Property(o => o.BillMonth).HasMaxLength(7);
        builder.Property(o => o.Status).HasMaxLength(16);
        builder.Property(o => o.TokenNumber).HasMaxLength(300);
        builder.Property(o => o.CancelNote).HasMaxLength(500);
        builder.Property(o => o.Connector).HasMaxLength(32).IsRequired();
        builder.Property(o => o.ConnectorProductCode).HasMaxLength(64);
        builder.Property(o => o.CustomerNumber).HasMaxLength(100);
        builder.Property(o => o.Stage).HasMaxLength(32);
        builder.Property(o => o.UpstreamRef).HasMaxLength(64);
        builder.Property(o => o.UpstreamState).HasMaxLength(4000);
        builder.Property(o => o.LeaseOwner).HasMaxLength(100);
        builder.Property(o => o.FlagReason).HasMaxLength(500);
        builder.Property(o => o.LastError).HasMaxLength(1000);
        builder.HasIndex(o => new { o.ResellerId, o.CreatedAt });
        builder.HasIndex(o => new { o.Status, o.NextAttemptAt });
        builder.HasOne<Resellers.Reseller>().WithMany().HasForeignKey(o => o.ResellerId).OnDelete(DeleteBehavior.Restrict);
        // The service and journal keys have no index of their own (PaymentHubDbContext.ConfigureConventions says why).
        builder.HasOne<Catalog.BillService>().WithMany().HasForeignKey(o => o.ServiceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(o => o.DebitJournal).WithMany().HasForeignKey(o => o.DebitJournalId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Ledger.LedgerJournal>().WithMany().HasForeignKey(o => o.RefundJournalId).OnDelete(DeleteBehavior.Restrict);
    }
}
