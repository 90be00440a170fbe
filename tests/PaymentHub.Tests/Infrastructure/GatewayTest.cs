using Microsoft.Extensions.DependencyInjection;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// A test class against the real gateway. Given a <see cref="GatewayFixture"/> (declare <c>IClassFixture&lt;GatewayFixture&gt;</c>
/// and pass it on), the class's tests share one gateway and one database, and each test creates the data it needs under its own
/// names in <see cref="SeedAsync"/>; without one, every test starts its own. Each test ends by checking the ledger's invariants.
/// </summary>
public abstract class GatewayTest : IAsyncLifetime
{
    private readonly GatewayFixture? _fixture;
    private readonly string _database;
    private readonly IDictionary<string, string?>? _settings;
    private readonly bool _newDatabase;

    /// <summary>Every test gets its own gateway and database (slow: prefer the fixture).</summary>
    /// <param name="newDatabase">Never a database an earlier test used (see <see cref="PaymentHubApp.StartAsync"/>).</param>
    protected GatewayTest(string database, IDictionary<string, string?>? settings = null, bool newDatabase = false)
    {
        _database = database;
        _settings = settings;
        _newDatabase = newDatabase;
    }

    /// <summary>The class's tests share the fixture's gateway and database.</summary>
    protected GatewayTest(GatewayFixture fixture, string database, IDictionary<string, string?>? settings = null)
        : this(database, settings) => _fixture = fixture;

    protected PaymentHubApp App { get; private set; } = null!;

    /// <summary>The gateway's clock (the fixture's, shared by the class's tests): move it past a wait instead of sleeping.</summary>
    protected TestClock Clock => _fixture?.Clock ?? _ownClock;

    private readonly TestClock _ownClock = new();

    public async Task InitializeAsync()
    {
        App = _fixture is null
            ? await PaymentHubApp.StartAsync(_database, _settings, services => services.AddSingleton<TimeProvider>(_ownClock), newDatabase: _newDatabase)
            : await _fixture.GetAsync(_database, _settings);
        await SeedAsync();
    }

    /// <summary>Set-up for each test, run once the gateway is up; with a shared gateway, create new rows rather than reuse another test's.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_fixture is not null)
        {
            await App.AssertLedgerOkAsync();
            return;
        }
        try
        {
            await App.AssertLedgerOkAsync();
        }
        finally
        {
            await App.DisposeAndRecycleDatabaseAsync();
        }
    }
}

/// <summary>One gateway and database for all the tests of a class, started by its first test and stopped after its last.</summary>
// The semaphore is disposed in IAsyncLifetime.DisposeAsync, which xunit calls for a fixture; CA1001 only knows IDisposable.
#pragma warning disable CA1001
public sealed class GatewayFixture : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private PaymentHubApp? _app;
    private IDictionary<string, string?>? _settings;

    /// <summary>The shared gateway's clock. A test that moves it moves it for the tests after it too, which only ever see a later time.</summary>
    public TestClock Clock { get; } = new();

    public async Task<PaymentHubApp> GetAsync(string database, IDictionary<string, string?>? settings)
    {
        await _starting.WaitAsync();
        try
        {
            if (_app is null)
            {
                _app = await PaymentHubApp.StartAsync(database, settings, services => services.AddSingleton<TimeProvider>(Clock));
                _settings = settings;
            }
            else if (!TestSettings.Same(_settings, settings))
            {
                throw new InvalidOperationException("The tests of one class share a gateway: they must ask for the same settings.");
            }
            return _app;
        }
        finally
        {
            _starting.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is null)
        {
            _starting.Dispose();
            return;
        }
        try
        {
            await _app.AssertLedgerOkAsync();
        }
        finally
        {
            await _app.DisposeAndRecycleDatabaseAsync();
            _starting.Dispose();
        }
    }
}
