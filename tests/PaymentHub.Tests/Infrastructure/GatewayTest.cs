namespace PaymentHub.Tests.Infrastructure;

/// <summary>A test class with its own gateway and database; every class ends by checking the ledger's invariants.</summary>
public abstract class GatewayTest(string database, IDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    protected PaymentHubApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await PaymentHubApp.StartAsync(database, settings);
        await SeedAsync();
    }

    /// <summary>Set-up shared by the class's tests, run once the gateway is up.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await App.AssertLedgerOkAsync();
        await App.DisposeAsync();
    }
}
