using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace PaymentHub.Data;

/// <summary>
/// Keeps a context's connection open across several statements (one pool rental instead of one per statement) and
/// closes it when disposed, on every path out of the block.
/// </summary>
/// <remarks>
/// Whoever opens the connection must close it; leaving it to the end of the request is not enough. Our contexts are
/// pooled, and EF Core's asynchronous reset of a pooled context (the one a request scope uses) closes the connection
/// but keeps EF's count of open calls: an open left over made the count never reach zero again, so every later request
/// on that context kept its connection until the request ended, across upstream calls included. With a pool of 12,
/// 256 recharges against a 200 ms upstream ran at 55 per second, 12 connections / 0.2 s, with 12 in the upstream and the
/// rest waiting for a connection (bench/README.md). <c>ConnectionHoldingTests</c> fails without this.
/// </remarks>
public sealed class HeldConnection(DatabaseFacade database) : IAsyncDisposable
{
    private bool _open;

    /// <summary>Opens the connection, unless this hold already has: a second open would need a second close.</summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        if (_open)
        {
            return;
        }
#pragma warning disable RS0030 // The one place that opens a context's connection, and the one that closes it again.
        await database.OpenConnectionAsync(ct);
#pragma warning restore RS0030
        _open = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_open)
        {
            _open = false;
            await database.CloseConnectionAsync();
        }
    }
}

public static class HeldConnections
{
    /// <summary>Opens the context's connection until the returned hold is disposed: <c>await using var _ = await db.Database.HoldConnectionAsync(ct)</c>.</summary>
    public static async Task<HeldConnection> HoldConnectionAsync(this DatabaseFacade database, CancellationToken ct)
    {
        var held = new HeldConnection(database);
        await held.OpenAsync(ct);
        return held;
    }
}
