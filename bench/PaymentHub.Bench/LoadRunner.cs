using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;

namespace PaymentHub.Bench;

/// <summary>
/// Sends a fixed number of requests with a fixed number of workers, each worker taking the next index until the
/// count is used up or the run's deadline passes. A request cut off by the deadline is recorded as such, never retried.
/// </summary>
public static class LoadRunner
{
    /// <param name="build">Builds request number <c>i</c> (0-based).</param>
    /// <param name="onReply">Sees request <c>i</c>'s status and body (after its latency was taken).</param>
    public static async Task<PhaseStats> RunAsync(
        HttpClient http, string action, int count, int concurrency,
        Func<int, HttpRequestMessage> build, Action<int, int, string, PhaseStats> onReply, CancellationToken deadline)
    {
        var stats = new PhaseStats(action, count);
        var next = -1;
        var clock = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            while (!deadline.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count)
                {
                    return;
                }
                using var request = build(i);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline);
                    var body = await response.Content.ReadAsStringAsync(deadline);
                    stats.RecordReply((int)response.StatusCode, Stopwatch.GetTimestamp() - started);
                    try
                    {
                        onReply(i, (int)response.StatusCode, body, stats);
                    }
                    catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
                    {
                        stats.Note($"reply not understood ({ex.GetType().Name})");
                    }
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    stats.RecordFailure("cut off at --duration");
                }
                catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
                {
                    stats.RecordFailure("timeout (--timeout)");
                }
                catch (HttpRequestException ex)
                {
                    stats.RecordFailure(ex.InnerException is SocketException socket
                        ? $"connection error ({socket.SocketErrorCode})"
                        : $"HTTP error ({ex.HttpRequestError})");
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(WorkerAsync)).ToArray();
        await Task.WhenAll(workers);
        stats.Finish(clock.Elapsed);
        // Every index below count that a worker took was sent; the rest never left.
        stats.RecordUnsent(count - Math.Min(count, Volatile.Read(ref next) + 1));
        return stats;
    }
}
