using System.Collections.Concurrent;
using System.Diagnostics;

namespace PaymentHub.Bench;

/// <summary>Outcome of one load phase (one reseller API action): latencies, status codes, transport failures.</summary>
public sealed class PhaseStats(string action, int capacity)
{
    private readonly long[] _latencyTicks = new long[capacity];
    private int _replies;
    private int _success;
    private int _unsent;

    public string Action { get; } = action;
    public int Planned { get; } = capacity;
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Replies by HTTP status, every status included.</summary>
    public ConcurrentDictionary<int, int> ByStatus { get; } = new();
    /// <summary>Requests that got no HTTP reply, by cause (timeout, connection error, cut off at the deadline).</summary>
    public ConcurrentDictionary<string, int> Failures { get; } = new();
    /// <summary>Free-form tallies of what the replies said (e.g. the order status of status_check replies).</summary>
    public ConcurrentDictionary<string, int> Notes { get; } = new();

    public int Replies => Volatile.Read(ref _replies);
    public int Successes => Volatile.Read(ref _success);
    public int FailureCount => Failures.Values.Sum();
    public int Unsent => Volatile.Read(ref _unsent);
    public int NonSuccessReplies => ByStatus.Where(p => p.Key is < 200 or > 299).Sum(p => p.Value);

    public void RecordReply(int status, long elapsedTicks)
    {
        var slot = Interlocked.Increment(ref _replies) - 1;
        _latencyTicks[slot] = elapsedTicks;
        ByStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (status is >= 200 and <= 299)
        {
            Interlocked.Increment(ref _success);
        }
    }

    public void RecordFailure(string cause) => Failures.AddOrUpdate(cause, 1, (_, n) => n + 1);

    public void RecordUnsent(int count) => Interlocked.Add(ref _unsent, count);

    public void Note(string what) => Notes.AddOrUpdate(what, 1, (_, n) => n + 1);

    public void Finish(TimeSpan elapsed) => Elapsed = elapsed;

    /// <summary>Replies (any status) per second of the phase's wall-clock time.</summary>
    public double RequestsPerSecond => Elapsed > TimeSpan.Zero ? Replies / Elapsed.TotalSeconds : 0;

    /// <summary>2xx replies per second of the phase's wall-clock time.</summary>
    public double SuccessesPerSecond => Elapsed > TimeSpan.Zero ? Successes / Elapsed.TotalSeconds : 0;

    /// <summary>Latency percentile in milliseconds over every request that got a reply (nearest rank).</summary>
    public LatencySummary Latency()
    {
        var count = Replies;
        if (count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }
        var sorted = _latencyTicks.AsSpan(0, count).ToArray();
        Array.Sort(sorted);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => Ms(sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * count) - 1, 0, count - 1)]);
        var mean = sorted.Average(t => Ms(t));
        return new LatencySummary(mean, Percentile(50), Percentile(95), Percentile(99), Ms(sorted[^1]), count);
    }
}

public sealed record LatencySummary(double Mean, double P50, double P95, double P99, double Max, int Count);
