using Microsoft.Extensions.Options;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Options that never change, for a class under test that takes an <see cref="IOptionsMonitor{TOptions}"/>.</summary>
public sealed class FixedOptionsMonitor<TOptions>(TOptions value) : IOptionsMonitor<TOptions>
{
    public TOptions CurrentValue => value;
    public TOptions Get(string? name) => value;
    public IDisposable? OnChange(Action<TOptions, string?> listener) => null;
}
