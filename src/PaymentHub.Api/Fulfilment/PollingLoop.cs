namespace PaymentHub.Fulfilment;

/// <summary>The loop every background worker shares: run a pass, and sleep only when the pass found nothing to do.</summary>
public static class PollingLoop
{
    public static async Task RunAsync(
        Func<CancellationToken, Task<int>> runOnce, TimeSpan idleDelay, TimeProvider clock, Action<Exception> onError, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
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
            if (processed == 0)
            {
                try
                {
                    await Task.Delay(idleDelay, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
