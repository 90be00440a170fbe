namespace PaymentHub.Tests.Infrastructure;

/// <summary>Waiting for something that happens outside the test (a worker's pass, real I/O): look again until it holds, with a deadline.</summary>
public static class Poll
{
    /// <summary>
    /// Reads until <paramref name="done"/> holds and returns that value; fails with the last value read after
    /// <paramref name="seconds"/>. <paramref name="read"/> may also do the work it waits for (run a worker's pass, move a clock).
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, int seconds = 20, int intervalMs = 150)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Still waiting after {seconds} s: {value}");
            }
            await Task.Delay(intervalMs);
        }
    }
}
