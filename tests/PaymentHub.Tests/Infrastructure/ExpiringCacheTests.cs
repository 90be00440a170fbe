using Microsoft.Extensions.Time.Testing;
using PaymentHub.Infrastructure;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The time-to-live cache behind the catalogue, operator and callback-endpoint caches of the hot paths.</summary>
public sealed class ExpiringCacheTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_value_is_reused_until_its_time_to_live_runs_out()
    {
        var clock = new FakeTimeProvider();
        var cache = new ExpiringCache<int, string>(clock);
        var loads = 0;
        Task<string> Load(string value)
        {
            loads++;
            return Task.FromResult(value);
        }

        Assert.Equal("a", await cache.GetOrLoadAsync(1, Ttl, "a", Load, _ => true));
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal("a", await cache.GetOrLoadAsync(1, Ttl, "b", Load, _ => true));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("c", await cache.GetOrLoadAsync(1, Ttl, "c", Load, _ => true));
        Assert.Equal(2, loads);
    }

    [Fact]
    public async Task A_value_keep_refuses_or_a_zero_time_to_live_is_loaded_every_time()
    {
        var cache = new ExpiringCache<int, string?>(new FakeTimeProvider());
        Assert.Null(await cache.GetOrLoadAsync(1, Ttl, (string?)null, Task.FromResult, v => v is not null));
        Assert.Equal("x", await cache.GetOrLoadAsync(1, Ttl, (string?)"x", Task.FromResult, v => v is not null));
        Assert.Equal("x", await cache.GetOrLoadAsync(1, Ttl, (string?)"y", Task.FromResult, v => v is not null));

        Assert.Equal("p", await cache.GetOrLoadAsync(2, TimeSpan.Zero, (string?)"p", Task.FromResult, _ => true));
        Assert.Equal("q", await cache.GetOrLoadAsync(2, TimeSpan.Zero, (string?)"q", Task.FromResult, _ => true));
    }

    [Fact]
    public async Task Clear_drops_every_value_and_a_load_it_overlapped_is_not_kept()
    {
        var cache = new ExpiringCache<int, string>(new FakeTimeProvider());
        Assert.Equal("a", await cache.GetOrLoadAsync(1, Ttl, "a", Task.FromResult, _ => true));
        cache.Clear();
        // This load began before a change and its Clear, and ended after them: what it read may be the old state.
        Assert.Equal("old", await cache.GetOrLoadAsync(1, Ttl, cache, c =>
        {
            c.Clear();
            return Task.FromResult("old");
        }, _ => true));
        Assert.Equal("new", await cache.GetOrLoadAsync(1, Ttl, "new", Task.FromResult, _ => true));
        Assert.Equal("new", await cache.GetOrLoadAsync(1, Ttl, "newer", Task.FromResult, _ => true));
    }

    [Fact]
    public async Task Remove_drops_only_the_entries_it_names_and_a_load_it_overlapped_is_not_kept()
    {
        var cache = new ExpiringCache<string, int>(new FakeTimeProvider());
        foreach (var (key, value) in new[] { ("a", 1), ("b", 2), ("c", 3) })
        {
            await cache.GetOrLoadAsync(key, Ttl, value, Task.FromResult, _ => true);
        }
        cache.Remove((key, value) => key == "a" || value == 3);
        Assert.Equal(10, await cache.GetOrLoadAsync("a", Ttl, 10, Task.FromResult, _ => true));
        Assert.Equal(2, await cache.GetOrLoadAsync("b", Ttl, 20, Task.FromResult, _ => true));
        Assert.Equal(30, await cache.GetOrLoadAsync("c", Ttl, 30, Task.FromResult, _ => true));

        // A revocation (say) that lands while a key's record is being read: the record read is not kept.
        cache.Remove((key, _) => key == "d");
        Assert.Equal(40, await cache.GetOrLoadAsync("d", Ttl, cache, c =>
        {
            c.Remove((key, _) => key == "d");
            return Task.FromResult(40);
        }, _ => true));
        Assert.Equal(41, await cache.GetOrLoadAsync("d", Ttl, 41, Task.FromResult, _ => true));
    }

    [Fact]
    public async Task Misses_of_one_key_while_its_load_is_under_way_wait_for_that_load()
    {
        var cache = new ExpiringCache<int, string>(new FakeTimeProvider());
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;
        Task<string> Load(TaskCompletionSource<string> source)
        {
            Interlocked.Increment(ref loads);
            return source.Task;
        }

        var first = cache.GetOrLoadAsync(1, Ttl, gate, Load, _ => true).AsTask();
        var others = Enumerable.Range(0, 5).Select(_ => cache.GetOrLoadAsync(1, Ttl, gate, Load, _ => true).AsTask()).ToList();
        var otherKey = cache.GetOrLoadAsync(2, Ttl, "b", Task.FromResult, _ => true).AsTask();
        Assert.Equal("b", await otherKey);
        Assert.False(first.IsCompleted);
        Assert.All(others, o => Assert.False(o.IsCompleted));
        gate.SetResult("a");

        Assert.Equal(["a", "a", "a", "a", "a", "a"], await Task.WhenAll([first, .. others]));
        Assert.Equal(1, loads);
    }

    [Fact]
    public async Task When_the_load_they_wait_for_fails_each_waiter_loads_its_own()
    {
        var cache = new ExpiringCache<int, string>(new FakeTimeProvider());
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;
        var first = cache.GetOrLoadAsync(1, Ttl, gate, g =>
        {
            Interlocked.Increment(ref loads);
            return g.Task;
        }, _ => true).AsTask();
        var waiters = Enumerable.Range(0, 3).Select(i => cache.GetOrLoadAsync(1, Ttl, $"own {i}", v =>
        {
            Interlocked.Increment(ref loads);
            return Task.FromResult(v);
        }, _ => true).AsTask()).ToList();
        Assert.Equal(1, loads);

        gate.SetException(new TimeoutException("the first request's query"));
        await Assert.ThrowsAsync<TimeoutException>(() => first);
        var values = await Task.WhenAll(waiters);
        Assert.Equal(["own 0", "own 1", "own 2"], values.Order());
        Assert.Equal(4, loads);
    }

    [Fact]
    public async Task A_miss_after_Clear_does_not_wait_for_a_load_that_began_before_it()
    {
        var cache = new ExpiringCache<int, string>(new FakeTimeProvider());
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var before = cache.GetOrLoadAsync(1, Ttl, gate, g => g.Task, _ => true).AsTask();
        cache.Clear();

        Assert.Equal("after", await cache.GetOrLoadAsync(1, Ttl, "after", Task.FromResult, _ => true));
        gate.SetResult("before");
        Assert.Equal("before", await before);
        Assert.Equal("after", await cache.GetOrLoadAsync(1, Ttl, "later", Task.FromResult, _ => true));
    }
}
