using PaymentHub.Fulfilment;

namespace PaymentHub.Tests.Bills;

/// <summary>The background workers' shared loop: idle back-off, and the local wake-up that cuts it short.</summary>
public sealed class PollingLoopTests
{
    [Fact]
    public void Idle_sleep_doubles_from_the_poll_interval_up_to_the_cap()
    {
        var interval = TimeSpan.FromMilliseconds(500);
        var delays = new List<TimeSpan> { interval };
        for (var i = 0; i < 6; i++)
        {
            delays.Add(PollingLoop.NextIdleDelay(delays[^1], interval));
        }

        Assert.Equal([500, 1000, 2000, 4000, 4000, 4000, 4000], delays.Select(d => (int)d.TotalMilliseconds));
        // A poll interval above the cap is kept as it is.
        Assert.Equal(TimeSpan.FromSeconds(5), PollingLoop.NextIdleDelay(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_local_wake_up_runs_the_next_pass_at_once_instead_of_after_the_idle_sleep()
    {
        var wake = new WorkSignal();
        var passes = 0;
        using var stop = new CancellationTokenSource();
        var loop = PollingLoop.RunAsync(_ =>
        {
            Interlocked.Increment(ref passes);
            return Task.FromResult(0);
        }, TimeSpan.FromHours(1), TimeProvider.System, ex => Assert.Fail(ex.ToString()), stop.Token, wake);

        await WaitForAsync(() => Volatile.Read(ref passes) == 1);
        wake.Notify();
        await WaitForAsync(() => Volatile.Read(ref passes) == 2);
        wake.Notify();
        await WaitForAsync(() => Volatile.Read(ref passes) == 3);

        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, passes);
    }

    [Fact]
    public async Task A_pass_that_finds_work_is_followed_at_once_by_another()
    {
        var passes = 0;
        using var stop = new CancellationTokenSource();
        // Three passes find work, then nothing more: with an hour's idle sleep, only the loop's "found work" path gets to four.
        var loop = PollingLoop.RunAsync(_ => Task.FromResult(Interlocked.Increment(ref passes) <= 3 ? 1 : 0), TimeSpan.FromHours(1),
            TimeProvider.System, ex => Assert.Fail(ex.ToString()), stop.Token);

        await WaitForAsync(() => Volatile.Read(ref passes) == 4);
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, passes);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the loop.");
            await Task.Delay(10);
        }
    }
}
