using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using PaymentHub.Data;

namespace PaymentHub.Fulfilment;

/// <summary>An order a background worker claims with a lease before it works on it (bill orders, recharges).</summary>
public interface ILeasedWork
{
    long Id { get; }
    /// <summary>When a worker should look at it next; null: no worker will (an operator's, or final).</summary>
    DateTime? NextAttemptAt { get; set; }
    string? LeaseOwner { get; set; }
    DateTime? LeaseExpiresAt { get; set; }
}

/// <summary>
/// Leases on <see cref="ILeasedWork"/>: the one definition of "held", and the one way workers claim work.
/// A lease is held while <c>LeaseExpiresAt &gt;= now</c>, whoever the owner column names: the expiry is what every
/// claim checks, so an operator's settlement, a worker's claim and another instance's claim agree on who may act,
/// and a lease whose instance died simply runs out.
/// </summary>
public static class Leases
{
    /// <summary>
    /// Makes <paramref name="locked"/>, read without tracking under its row lock for a settlement, the context's one copy
    /// of that order, so that the commit writes exactly what the settlement changes on it. A copy the context already
    /// tracks (the request's placement, a worker's read) is stale by now, and is let go.
    /// </summary>
    public static void TrackLocked<T>(PaymentHubDbContext db, T locked) where T : class, ILeasedWork
    {
        if (db.Set<T>().Local.FindEntry(locked.Id) is { } stale)
        {
            stale.State = EntityState.Detached;
        }
        db.Attach(locked);
    }

    /// <summary>
    /// The rows a settler may settle: a worker (<paramref name="leaseOwner"/>) only under its own lease, the request thread
    /// and an operator (null) only what no lease holds (<see cref="Free{T}"/>).
    /// </summary>
    public static IQueryable<T> SettleableBy<T>(this IQueryable<T> rows, string? leaseOwner, DateTime now) where T : class, ILeasedWork =>
        leaseOwner is null ? rows.Where(Free<T>(now)) : rows.Where(o => o.LeaseOwner == leaseOwner);

    /// <summary>What every final state shares: nobody holds the work or schedules it any more.</summary>
    public static void Release(ILeasedWork work)
    {
        work.NextAttemptAt = null;
        work.LeaseOwner = null;
        work.LeaseExpiresAt = null;
    }

    /// <summary>Rows nobody holds a lease on at <paramref name="now"/>.</summary>
    public static Expression<Func<T, bool>> Free<T>(DateTime now) where T : class, ILeasedWork =>
        o => o.LeaseExpiresAt == null || o.LeaseExpiresAt < now;

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> rows of <typeparamref name="T"/> that are in <paramref name="openStatus"/>,
    /// due (<c>NextAttemptAt &lt;= now</c>) and not leased (as <see cref="Free{T}"/>), earliest due first, for
    /// <paramref name="owner"/> until <paramref name="until"/>; returns their ids. One statement on both providers, so
    /// two instances never claim the same row: on PostgreSQL the candidates are locked with <c>FOR UPDATE SKIP LOCKED</c>
    /// (a concurrent claimer skips them instead of waiting), and SQLite runs one writing statement at a time.
    /// </summary>
    public static async Task<List<long>> ClaimAsync<T>(
        PaymentHubDbContext db, Enum openStatus, string owner, DateTime now, DateTime until, int batchSize, CancellationToken ct)
        where T : class, ILeasedWork
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
        var statusProperty = entity.GetProperties().Single(p => p.ClrType == openStatus.GetType());
        var status = statusProperty.GetTypeMapping().Converter?.ConvertToProvider(openStatus) ?? openStatus;

        var (id, next, leaseOwner, leaseExpires) = (Column(nameof(ILeasedWork.Id)), Column(nameof(ILeasedWork.NextAttemptAt)),
            Column(nameof(ILeasedWork.LeaseOwner)), Column(nameof(ILeasedWork.LeaseExpiresAt)));
        var name = sql.DelimitIdentifier(table.Name, table.Schema);
        var skipLocked = db.IsPostgres ? "FOR UPDATE SKIP LOCKED" : "";
        // Identifiers come from the model, values are parameters ({3} is now). The lease test is Free<T>, in SQL.
        var statement = $$"""
            UPDATE {{name}} SET {{leaseOwner}} = {0}, {{leaseExpires}} = {1}
            WHERE {{id}} IN (
                SELECT {{id}} FROM {{name}}
                WHERE {{Column(statusProperty.Name)}} = {2} AND {{next}} IS NOT NULL AND {{next}} <= {3}
                  AND ({{leaseExpires}} IS NULL OR {{leaseExpires}} < {3})
                ORDER BY {{next}}
                LIMIT {4}
                {{skipLocked}})
            RETURNING {{id}} AS "Value"
            """;
        return await db.Database.SqlQueryRaw<long>(statement, owner, until, status, now, batchSize).ToListAsync(ct);
    }
}
