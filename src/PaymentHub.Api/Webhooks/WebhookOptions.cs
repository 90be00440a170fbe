namespace PaymentHub.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How long an instance remembers that a wallet's reseller has no enabled endpoint (0: read it on every posting).</summary>
    public double NoEndpointCacheSeconds { get; set; } = 5;

    /// <summary>Whether this instance runs the background sender (tests drive it with RunOnceAsync instead).</summary>
    public bool SenderEnabled { get; set; } = true;

    public int PollIntervalMs { get; set; } = 1000;

    public int BatchSize { get; set; } = 20;

    /// <summary>One attempt (connect, send, read the start of the answer) is abandoned after this.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a delivery is retried before it is marked failed; never less than 24 hours.</summary>
    public int RetryHours { get; set; } = 24;

    public int FirstRetrySeconds { get; set; } = 30;

    public int MaxRetryMinutes { get; set; } = 60;

    /// <summary>An endpoint whose every attempt failed for this long is disabled.</summary>
    public int DisableAfterFailingHours { get; set; } = 72;

    /// <summary>After a rotation the previous secret still signs (a second v1=) for this long.</summary>
    public int SecretOverlapHours { get; set; } = 24;

    /// <summary>
    /// Base64 of 32 bytes: the AES-256-GCM key that encrypts signing secrets in the database (read at start-up); every
    /// instance sharing the database needs the same one. Without it a key is generated once and kept in app_settings.
    /// </summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// Allows http:// to loopback and deliveries to private, loopback and link-local addresses. Defaults to true in
    /// Development only, and is ignored in Production.
    /// </summary>
    public bool? AllowLocalEndpoints { get; set; }

    /// <summary>What <see cref="AllowLocalEndpoints"/> comes to in this environment (set at start-up).</summary>
    public bool LocalEndpointsAllowed { get; set; }

    public TimeSpan RetryWindow => TimeSpan.FromHours(Math.Max(24, RetryHours));

    public TimeSpan AttemptTimeout => TimeSpan.FromSeconds(Math.Clamp(AttemptTimeoutSeconds, 1, 60));

    public TimeSpan Lease => AttemptTimeout + TimeSpan.FromSeconds(60);
}
