using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PaymentHub.Resellers;

namespace PaymentHub.Webhooks;

public enum WebhookEndpointStatus
{
    Enabled,
    /// <summary>No events are written for it and its pending deliveries are not sent; see DisabledReason.</summary>
    Disabled,
}

/// <summary>A reseller's callback URL, the events it wants and the secret its deliveries are signed with.</summary>
public sealed class WebhookEndpoint
{
    public long Id { get; set; }
    public int ResellerId { get; set; }
    public Reseller? Reseller { get; set; }
    public required string Url { get; set; }
    /// <summary>The subscribed event types, comma-separated, in <see cref="WebhookEvents.All"/> order.</summary>
    public required string Events { get; set; }
    public WebhookEndpointStatus Status { get; set; }
    public string? DisabledReason { get; set; }
    public DateTime? DisabledAt { get; set; }
    /// <summary>The signing secret, protected by <see cref="WebhookSecrets"/>; never stored or logged in clear.</summary>
    public required string Secret { get; set; }
    /// <summary>The secret before the last rotation, still signed with until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecret { get; set; }
    public DateTime? PreviousSecretExpiresAt { get; set; }
    /// <summary>When the current run of failed attempts began (null after a success): three days of it disable the endpoint.</summary>
    public DateTime? FailingSince { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.ToTable("webhook_endpoints");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Url).HasMaxLength(500).IsRequired();
        builder.Property(e => e.Events).HasMaxLength(400).IsRequired();
        builder.Property(e => e.Status).HasMaxLength(16);
        builder.Property(e => e.DisabledReason).HasMaxLength(500);
        builder.Property(e => e.Secret).HasMaxLength(500).IsRequired();
        builder.Property(e => e.PreviousSecret).HasMaxLength(500);
        builder.HasOne(e => e.Reseller).WithMany().HasForeignKey(e => e.ResellerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(e => new { e.ResellerId, e.Status });
    }
}
