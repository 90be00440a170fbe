using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace PaymentHub.Observability;

/// <summary>
/// The business metrics, in the <c>PaymentHub</c> meter (exported at /metrics and by OTLP). Names follow the OpenTelemetry
/// conventions: dotted lower-case names under <c>paymenthub.</c>, units in UCUM (<c>s</c>, <c>{order}</c>), durations in
/// seconds, <c>error.type</c> for a failure's kind. The gauges that read the database or the circuit breakers are
/// registered by <see cref="Setup.Telemetry"/>.
/// </summary>
public static class PaymentHubMetrics
{
    public const string MeterName = "PaymentHub";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> OrdersSettled = Meter.CreateCounter<long>(
        "paymenthub.orders.settled", "{order}", "Orders that reached a final status, by kind, connector and status.");

    private static readonly Histogram<double> UpstreamDuration = Meter.CreateHistogram<double>(
        "paymenthub.upstream.duration", "s", "Calls to an upstream (connector or funding gateway), by operation and outcome.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly Counter<long> UpstreamErrors = Meter.CreateCounter<long>(
        "paymenthub.upstream.errors", "{error}", "Upstream calls that got no reply or a 5xx status, by operation and error.type.");

    private static readonly Counter<long> TopUps = Meter.CreateCounter<long>(
        "paymenthub.topups", "{topup}", "Wallet top-ups that reached a status (Completed, Failed, Cancelled, Review, ...), by gateway.");

    private static readonly Counter<double> WalletDebited = Meter.CreateCounter<double>(
        "paymenthub.wallet.debited", "BDT", "Money taken from reseller wallets (committed ledger postings).");

    private static readonly Counter<double> WalletCredited = Meter.CreateCounter<double>(
        "paymenthub.wallet.credited", "BDT", "Money put into reseller wallets (committed ledger postings).");

    private static readonly Histogram<double> LedgerCheckDuration = Meter.CreateHistogram<double>(
        "paymenthub.ledger.check.duration", "s", "Ledger checks, by result (ok or broken).");

    private static long _lastLedgerCheckOk = -1;

    static PaymentHubMetrics() =>
        Meter.CreateObservableGauge("paymenthub.ledger.check.ok", () => Interlocked.Read(ref _lastLedgerCheckOk) is var ok and >= 0
            ? [new Measurement<long>(ok)]
            : Array.Empty<Measurement<long>>(), "{check}", "1 when the last ledger check found the ledger consistent, 0 when it did not.");

    public static void OrderSettled(string kind, string connector, string status) =>
        OrdersSettled.Add(1, new("paymenthub.order.kind", kind), new("paymenthub.connector", connector), new("paymenthub.order.status", status));

    /// <param name="errorType">Null for a reply below 500; otherwise the HTTP status or the exception's type name.</param>
    public static void UpstreamCall(string upstream, string operation, TimeSpan elapsed, string? errorType)
    {
        var tags = new TagList
        {
            { "paymenthub.connector", upstream },
            { "paymenthub.operation", operation },
            { "paymenthub.outcome", errorType is null ? "reply" : "error" },
        };
        UpstreamDuration.Record(elapsed.TotalSeconds, tags);
        if (errorType is not null)
        {
            UpstreamErrors.Add(1, new("paymenthub.connector", upstream), new("paymenthub.operation", operation), new("error.type", errorType));
        }
    }

    public static void TopUp(string gateway, string status) =>
        TopUps.Add(1, new("paymenthub.gateway", gateway), new("paymenthub.topup.status", status));

    public static void LedgerChecked(bool ok, TimeSpan elapsed)
    {
        Interlocked.Exchange(ref _lastLedgerCheckOk, ok ? 1 : 0);
        LedgerCheckDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("paymenthub.ledger.check.result", ok ? "ok" : "broken"));
    }

    /// <summary>
    /// Wallet money moved by a posting in <paramref name="db"/>'s current transaction: counted when that transaction
    /// commits (by <see cref="CommittedWalletMovements"/>), never for a posting that is rolled back.
    /// </summary>
    public static void WalletPosted(IWalletMovementTally db, decimal debited, decimal credited) => db.WalletMovements.Add(debited, credited);

    internal static void Committed(WalletMovementTally pending)
    {
        WalletMoved(pending.Debited, pending.Credited);
        pending.Clear();
    }

    /// <summary>Counts wallet movements that have committed: a transaction's (above), or a posting that was a transaction of its own.</summary>
    public static void WalletMoved(decimal debited, decimal credited)
    {
        if (debited > 0m)
        {
            WalletDebited.Add((double)debited);
        }
        if (credited > 0m)
        {
            WalletCredited.Add((double)credited);
        }
    }
}

/// <summary>A context that carries its current transaction's wallet movements until its commit counts them.</summary>
public interface IWalletMovementTally
{
    WalletMovementTally WalletMovements { get; }
}

/// <summary>
/// What the postings of one context's current transaction moved. It lives on the context, which runs one transaction
/// at a time on one thread, so the hot path takes no lock for it (a process-wide table keyed by transaction did, three
/// times per transaction).
/// </summary>
public sealed class WalletMovementTally
{
    private readonly Stack<(decimal Debited, decimal Credited)> _savepoints = new();

    public decimal Debited { get; private set; }
    public decimal Credited { get; private set; }

    internal void Add(decimal debited, decimal credited) => (Debited, Credited) = (Debited + debited, Credited + credited);

    /// <summary>A savepoint remembers what was pending, so that rolling back to it forgets what was posted since.</summary>
    internal void SavepointCreated() => _savepoints.Push((Debited, Credited));

    internal void SavepointRolledBack()
    {
        if (_savepoints.TryPeek(out var saved))
        {
            (Debited, Credited) = saved;
        }
    }

    internal void SavepointReleased() => _savepoints.TryPop(out _);

    internal void Clear()
    {
        (Debited, Credited) = (0m, 0m);
        _savepoints.Clear();
    }
}

/// <summary>Counts the wallet movements of a transaction once it has committed (see <see cref="PaymentHubMetrics.WalletPosted"/>).</summary>
public sealed class CommittedWalletMovements : DbTransactionInterceptor
{
    // A new transaction starts from nothing: what one left (disposed without an explicit rollback) is not counted with it.
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result) =>
        Cleared(eventData, result);

    public override ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Cleared(eventData, result));

    public override DbTransaction TransactionUsed(DbConnection connection, TransactionEventData eventData, DbTransaction result) =>
        Cleared(eventData, result);

    public override ValueTask<DbTransaction> TransactionUsedAsync(
        DbConnection connection, TransactionEventData eventData, DbTransaction result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Cleared(eventData, result));

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData);
        return Task.CompletedTask;
    }

    public override void CreatedSavepoint(DbTransaction transaction, TransactionEventData eventData) => Tally(eventData)?.SavepointCreated();

    public override Task CreatedSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        Tally(eventData)?.SavepointCreated();
        return Task.CompletedTask;
    }

    public override void RolledBackToSavepoint(DbTransaction transaction, TransactionEventData eventData) => Tally(eventData)?.SavepointRolledBack();

    public override Task RolledBackToSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        Tally(eventData)?.SavepointRolledBack();
        return Task.CompletedTask;
    }

    public override void ReleasedSavepoint(DbTransaction transaction, TransactionEventData eventData) => Tally(eventData)?.SavepointReleased();

    public override Task ReleasedSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        Tally(eventData)?.SavepointReleased();
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Tally(eventData)?.Clear();

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Tally(eventData)?.Clear();
        return Task.CompletedTask;
    }

    private static void Committed(TransactionEndEventData eventData)
    {
        if (Tally(eventData) is { } tally)
        {
            PaymentHubMetrics.Committed(tally);
        }
    }

    private static DbTransaction Cleared(DbContextEventData eventData, DbTransaction transaction)
    {
        Tally(eventData)?.Clear();
        return transaction;
    }

    private static WalletMovementTally? Tally(DbContextEventData eventData) => (eventData.Context as IWalletMovementTally)?.WalletMovements;
}
