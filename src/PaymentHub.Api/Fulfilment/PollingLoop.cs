namespace PaymentHub.Fulfilment;

/// <summary>
/// A local wake-up for a background worker: this instance just created work for it (an order due now), so the worker
/// should not sleep out its idle back-off. Work created by other instances is found by the next poll.
/// </summary>
public class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when <see cref="Notify"/> is next called; take it before a pass so no signal during the pass is lost.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>The wake-up of one worker type (a singleton per type).</summary>
public sealed class WorkSignal<TWorker> : WorkSignal;

/// <summary>
/// The loop every background worker shares: run a pass, and when it found nothing to do sleep, doubling the sleep from
/// the poll interval up to <see cref="MaxIdleDelay"/> while passes keep finding nothing (an idle gateway then polls
/// its tables a few times a minute instead of several times a second). A pass that finds work, or a local
/// <see cref="WorkSignal"/>, brings the sleep back to the poll interval.
/// </summary>
public static class PollingLoop
{
    public static readonly TimeSpan MaxIdleDelay = TimeSpan.FromSeconds(4);

    public static async Task RunAsync(
        Func<CancellationToken, Task<int>> runOnce, TimeSpan idleDelay, TimeProvider clock, Action<Exception> onError,
        CancellationToken stoppingToken, WorkSignal? wake = null)
    {
        var delay = idleDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            var woken = wake?.Next ?? Task.CompletedTask;
            var processed = 0;
            try
            {
                processed = await runOnce(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                onError(ex);
            }
            if (processed > 0)
            {
                delay = idleDelay;
                continue;
            }
            if (!await SleepAsync(delay, wake is null ? null : woken, clock, stoppingToken))
            {
                return;
            }
            delay = wake is not null && woken.IsCompleted ? idleDelay : NextIdleDelay(delay, idleDelay);
        }
    }

    /// <summary>The sleep after another empty pass: twice the last, at most <see cref="MaxIdleDelay"/> (or the poll interval, if longer).</summary>
    public static TimeSpan NextIdleDelay(TimeSpan delay, TimeSpan idleDelay)
    {
        var max = idleDelay > MaxIdleDelay ? idleDelay : MaxIdleDelay;
        return delay * 2 < max ? delay * 2 : max;
    }

    /// <summary>Sleeps for <paramref name="delay"/> or until woken; false when the host is stopping.</summary>
    private static async Task<bool> SleepAsync(TimeSpan delay, Task? woken, TimeProvider clock, CancellationToken stoppingToken)
    {
        using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timer = Task.Delay(delay, clock, sleep.Token);
        if (woken is not null)
        {
            await Task.WhenAny(timer, woken);
        }
        else
        {
            await Task.WhenAny(timer);
        }
        await sleep.CancelAsync();
        return !stoppingToken.IsCancellationRequested;
    }
}
