namespace PaymentHub.Fulfilment;

/// <summary>How long to wait before asking again: the first delay, doubled per attempt already made, capped.</summary>
public static class RetryBackoff
{
    /// <summary>The background workers' default: 2 s, 4 s, 8 s … capped at 5 minutes, jittered.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    /// <summary>The workers' backoff after <paramref name="attempts"/> attempts (<see cref="FirstDelay"/>, <see cref="MaxDelay"/>, jittered).</summary>
    public static TimeSpan After(int attempts) => Jittered(attempts, FirstDelay, MaxDelay);

    /// <summary><paramref name="first"/> × 2^attempts, at most <paramref name="max"/>.</summary>
    public static TimeSpan Exponential(int attempts, TimeSpan first, TimeSpan max) =>
        TimeSpan.FromSeconds(Math.Min(max.TotalSeconds, first.TotalSeconds * Math.Pow(2, Math.Clamp(attempts, 0, 30))));

    /// <summary>
    /// <see cref="Exponential"/> spread by ±20%, so that orders that failed together (an upstream outage) are not all
    /// asked again in the same instant.
    /// </summary>
    public static TimeSpan Jittered(int attempts, TimeSpan first, TimeSpan max) =>
        Exponential(attempts, first, max) * (0.8 + Random.Shared.NextDouble() * 0.4);
}
