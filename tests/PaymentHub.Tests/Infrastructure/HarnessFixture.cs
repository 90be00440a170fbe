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

    public async Task DisposeAsync()
    {
        foreach (var (_, _, world) in _worlds)
        {
            await world.DisposeAsync();
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
