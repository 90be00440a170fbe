using System.Collections.Concurrent;

namespace PaymentHub.Infrastructure;

/// <summary>
/// What an instance read from the database and reuses for a time to live, so that the hot path does not read it on every
/// request. A change made through this instance calls <see cref="Clear"/> and counts at once; a change made elsewhere counts
/// when the entry ages out. A read that was under way when <see cref="Clear"/> ran may have seen the state before the
/// change, so what it read is not kept. Requests that miss the same key while its load is under way wait for that load
/// instead of each running their own (one query for a burst, at start-up or when an entry ages out), unless a
/// <see cref="Clear"/> came since it started.
/// </summary>
public sealed class ExpiringCache<TKey, TValue>(TimeProvider clock) where TKey : notnull
{
    private sealed record Entry(TValue Value, long LoadedAt);

    private sealed record Load(Task<TValue> Task, long Generation);

    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private readonly ConcurrentDictionary<TKey, Load> _loads = new();

    // Bumped by Clear: a load keeps its value only if no Clear came between its start and its end.
    private long _generation;

    /// <summary>
    /// The value kept for <paramref name="key"/> if younger than <paramref name="ttl"/>, else <paramref name="load"/>'s, which
    /// is kept only when <paramref name="keep"/> says so (and <paramref name="ttl"/> is above zero).
    /// </summary>
    public async ValueTask<TValue> GetOrLoadAsync<TState>(
        TKey key, TimeSpan ttl, TState state, Func<TState, Task<TValue>> load, Func<TValue, bool> keep)
    {
        if (_entries.TryGetValue(key, out var cached) && clock.GetElapsedTime(cached.LoadedAt) < ttl)
        {
            return cached.Value;
        }
        var generation = Interlocked.Read(ref _generation);
        if (ttl > TimeSpan.Zero && _loads.TryGetValue(key, out var running) && running.Generation == generation)
        {
            try
            {
                return await running.Task;
            }
            catch (Exception)
            {
                // That request's own failure (its cancellation, its connection) is not this one's: it loads its own.
            }
        }
        var loadedAt = clock.GetTimestamp();
        var value = ttl > TimeSpan.Zero ? await LoadSharedAsync(key, generation, load(state)) : await load(state);
        if (ttl <= TimeSpan.Zero || !keep(value))
        {
            _entries.TryRemove(key, out _);
            return value;
        }
        // Not over an entry that a load begun after the Clear may have written meanwhile.
        if (Interlocked.Read(ref _generation) != generation)
        {
            return value;
        }
        var entry = new Entry(value, loadedAt);
        _entries[key] = entry;
        if (Interlocked.Read(ref _generation) != generation)
        {
            _entries.TryRemove(KeyValuePair.Create(key, entry));
        }
        return value;
    }

    private async Task<TValue> LoadSharedAsync(TKey key, long generation, Task<TValue> loading)
    {
        var shared = new Load(loading, generation);
        _loads[key] = shared;
        try
        {
            return await loading;
        }
        finally
        {
            _loads.TryRemove(KeyValuePair.Create(key, shared));
        }
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    /// <summary>Like <see cref="Clear"/>, for the entries <paramref name="which"/> names (a load under way is not kept either).</summary>
    public void Remove(Func<TKey, TValue, bool> which)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (key, entry) in _entries)
        {
            if (which(key, entry.Value))
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }
}
