using System.Collections.Concurrent;
using System.Net;

namespace PaymentHub.Infrastructure;

/// <summary>
/// Counts per client address (<see cref="ClientAddresses.Key"/>) in fixed windows that start at the address's first count,
/// read from <see cref="TimeProvider"/> when a count is made: no timer. Windows that have ended are dropped at most once per
/// window length, in one pass on a call, so that many addresses cost one pass a window rather than one per call. Kept in
/// memory, per instance.
/// </summary>
public sealed class AddressWindows(TimeSpan length, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private long _sweptAtTicks;

    public TimeSpan Length => length;

    /// <summary>How many addresses are tracked now: those counted within the last window or two.</summary>
    internal int TrackedAddresses => _counters.Count;

    /// <summary>Counts one for the address unless its window already holds <paramref name="limit"/>; its count after the call.</summary>
    public (bool Counted, int Count) TryAdd(IPAddress? address, int limit = int.MaxValue)
    {
        var now = clock.GetUtcNow();
        DropEndedWindows(now);
        var counter = _counters.GetOrAdd(ClientAddresses.Key(address), static _ => new Counter());
        lock (counter)
        {
            return counter.TryAdd(now, length, limit);
        }
    }

    /// <summary>The address's count in its open window and when that window ends; null without an open window.</summary>
    public (int Count, DateTimeOffset EndsAt)? Current(IPAddress? address)
    {
        if (!_counters.TryGetValue(ClientAddresses.Key(address), out var counter))
        {
            return null;
        }
        var now = clock.GetUtcNow();
        lock (counter)
        {
            return counter.Current(now, length);
        }
    }

    /// <summary>A call that still holds a counter removed here counts in a window that has ended anyway.</summary>
    private void DropEndedWindows(DateTimeOffset now)
    {
        var sweptAt = Interlocked.Read(ref _sweptAtTicks);
        if (now.UtcTicks - sweptAt < length.Ticks || Interlocked.CompareExchange(ref _sweptAtTicks, now.UtcTicks, sweptAt) != sweptAt)
        {
            return;
        }
        foreach (var (address, counter) in _counters)
        {
            bool ended;
            lock (counter)
            {
                ended = counter.Current(now, length) is null;
            }
            if (ended)
            {
                _counters.TryRemove(address, out _);
            }
        }
    }

    private sealed class Counter
    {
        private DateTimeOffset? _windowStart;
        private int _count;

        public (int Count, DateTimeOffset EndsAt)? Current(DateTimeOffset now, TimeSpan length) =>
            _windowStart is { } start && now - start < length ? (_count, start + length) : null;

        public (bool Counted, int Count) TryAdd(DateTimeOffset now, TimeSpan length, int limit)
        {
            if (Current(now, length) is null)
            {
                _windowStart = now;
                _count = 0;
            }
            if (_count >= limit)
            {
                return (false, _count);
            }
            _count++;
            return (true, _count);
        }
    }
}
