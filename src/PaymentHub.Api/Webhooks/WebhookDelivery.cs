using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PaymentHub.Fulfilment;

namespace PaymentHub.Webhooks;

public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its (next) attempt at NextAttemptAt.</summary>
    Pending,
    Delivered,
    /// <summary>Given up: retried for the whole retry window, or its endpoint is disabled. Can be redelivered.</summary>
    Failed,
}

/// <summary>
/// The outbox: one row per (event, endpoint), written in the transaction of the state change that raised the event.
/// The body is fixed when the row is written, so every attempt and every redelivery sends the same bytes.
/// </summary>
public sealed class WebhookDelivery : ILeasedWork
{
    public long Id { get; set; }
    public long EndpointId { get; set; }
    public WebhookEndpoint? Endpoint { get; set; }
    public int ResellerId { get; set; }
    /// <summary>The event's id, the same for every endpoint the event goes to (a receiver dedupes on it).</summary>
    public required string EventId { get; set; }
    public required string EventType { get; set; }
    /// <summary>The order number or top-up reference: an endpoint gets the events of one key in the order they were written.</summary>
    public required string OrderKey { get; set; }
    public required string Payload { get; set; }
    public WebhookDeliveryStatus Status { get; set; }
    /// <summary>Attempts since the row was written or last redelivered (the backoff grows with it).</summary>
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    /// <summary>After this, a failed attempt is the last: the delivery is marked Failed.</summary>
    public DateTime GiveUpAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public List<WebhookAttempt> AttemptLog { get; set; } = [];
}

/// <summary>One HTTP attempt of a delivery, as the reseller and operator see it.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; set; }
    public long DeliveryId { get; set; }
    public DateTime AttemptedAt { get; set; }
    public bool Succeeded { get; set; }
    public int? StatusCode { get; set; }
    public int LatencyMs { get; set; }
    /// <summary>The start of the receiver's answer (at most <see cref="WebhookDeliveryConfiguration.MaxResponseChars"/>).</summary>
    public string? Response { get; set; }
    public string? Error { get; set; }
}

public sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public const int MaxResponseChars = 1024;

    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.EventId).HasMaxLength(40).IsRequired();
        builder.Property(d => d.EventType).HasMaxLength(40).IsRequired();
        builder.Property(d => d.OrderKey).HasMaxLength(64).IsRequired();
        builder.Property(d => d.Payload).IsRequired();
        builder.Property(d => d.Status).HasMaxLength(16);
        builder.Property(d => d.LeaseOwner).HasMaxLength(100);
        builder.Property(d => d.LastError).HasMaxLength(500);
        builder.HasOne(d => d.Endpoint).WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(d => d.AttemptLog).WithOne().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(d => new { d.EndpointId, d.EventId }).IsUnique();
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => new { d.EndpointId, d.OrderKey, d.Id });
        builder.HasIndex(d => new { d.EndpointId, d.CreatedAt });
    }
}

public sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> builder)
    {
        builder.ToTable("webhook_attempts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Response).HasMaxLength(WebhookDeliveryConfiguration.MaxResponseChars);
        builder.Property(a => a.Error).HasMaxLength(500);
        builder.HasIndex(a => new { a.DeliveryId, a.AttemptedAt });
    }
}
