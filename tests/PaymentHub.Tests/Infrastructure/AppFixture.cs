namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// One gateway for all the tests of a class that needs its own way of starting one (a clock, services, settings): derive,
/// start it in <see cref="StartAsync"/>, and take the subclass as the class fixture. The ledger is checked when the class ends.
/// Each test makes its own rows; a class whose tests count something across the database keeps a gateway per test instead.
/// </summary>
public abstract class AppFixture : IAsyncLifetime
{
    public PaymentHubApp App { get; private set; } = null!;

    protected abstract Task<PaymentHubApp> StartAsync();

    public virtual async Task InitializeAsync() => App = await StartAsync();

    public async Task DisposeAsync()
    {
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
