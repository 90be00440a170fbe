namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// The gateway's clock in a test that must get past a wait (a "resolve after 2 s", a retry backoff, a token's lifetime): the test
/// moves the wall-clock time forward with <see cref="Advance"/> and the work falls due at once, instead of the test sleeping.
/// Timers and timestamps stay real, unlike a FakeTimeProvider's, which move only when told: the upstream clients' attempt
/// timeouts and retry delays (Polly, on the same <see cref="TimeProvider"/>) and the workers' idle polls keep running.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    /// <summary>How far this clock is ahead of the real one.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
