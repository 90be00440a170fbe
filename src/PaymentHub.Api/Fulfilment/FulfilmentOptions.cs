namespace PaymentHub.Fulfilment;

public sealed class FulfilmentOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>How often an idle worker looks for due orders.</summary>
    public int PollIntervalMs { get; set; } = 500;
    /// <summary>How long a claimed order belongs to one instance; must outlast the slowest upstream call.</summary>
    public int LeaseSeconds { get; set; } = 120;
    public int BatchSize { get; set; } = 20;
    public int MaxParallelism { get; set; } = 4;
    /// <summary>Name of this instance in leases; defaults to machine name plus process id.</summary>
    public string? InstanceId { get; set; }
    /// <summary>Orders still Processing after this long are flagged for an operator (and keep being retried).</summary>
    public int FlagAfterMinutes { get; set; } = 60;
}
