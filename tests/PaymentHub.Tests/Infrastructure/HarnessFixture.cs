namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// A class's upstream-harness worlds (gateway, database, fake): one per distinct settings, started by the first test that
/// asks for it and stopped, with its checks, after the class's last test. The class's tests run one after another, so a
/// world serves one test at a time.
/// </summary>
public abstract class HarnessFixture<THarness> : IAsyncLifetime
    where THarness : IAsyncDisposable
{
    private readonly List<(IDictionary<string, string?>? Settings, bool Kestrel, THarness World)> _worlds = [];

    /// <summary>The world for these settings, started with <paramref name="start"/> if the class has none yet.</summary>
    protected async Task<THarness> WorldAsync(IDictionary<string, string?>? settings, bool kestrel, Func<Task<THarness>> start)
    {
        var found = _worlds.FindIndex(w => w.Kestrel == kestrel && TestSettings.Same(w.Settings, settings));
        if (found >= 0)
        {
            return _worlds[found].World;
        }
        var world = await start();
        _worlds.Add((settings, kestrel, world));
        return world;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Stops every world, also after one of them failed its checks (then that failure is the class's).</summary>
    public async Task DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var (_, _, world) in _worlds)
        {
            try
            {
                await world.DisposeAsync();
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }
        if (failures.Count > 0)
        {
            throw failures.Count == 1 ? failures[0] : new AggregateException(failures);
        }
    }
}

public static class HarnessWorld
{
    /// <summary>
    /// Stops a harness's world: the gateway first, giving its database back, so that nothing of it is still calling when
    /// the fake upstream goes away; then the fake.
    /// </summary>
    public static async Task StopAsync(PaymentHubApp app, WireMockScope fake)
    {
        try
        {
            await app.DisposeAndRecycleDatabaseAsync();
        }
        finally
        {
            await fake.DisposeAsync();
        }
    }
}
