using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
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
    /// Whether <paramref name="leaseOwner"/> may settle <paramref name="work"/> at <paramref name="now"/>: a worker only
    /// under its own lease, the request thread and an operator (null) only what no lease holds. For queries only, and only
    /// those passed through <see cref="Inline{TDelegate}"/>, which writes the call out as <see cref="SettleableRule{T}"/>:
    /// a compiled query cannot call a method that composes its predicate at run time.
    /// </summary>
    public static bool Settleable<T>(T work, string? leaseOwner, DateTime now) where T : class, ILeasedWork =>
        throw new InvalidOperationException($"{nameof(Settleable)} is for queries passed through {nameof(Leases)}.{nameof(Inline)}.");

    /// <summary>The one definition of who may settle: a lease is held while it has not run out (see the class).</summary>
    private static Expression<Func<T, string?, DateTime, bool>> SettleableRule<T>() where T : class, ILeasedWork =>
        (work, leaseOwner, now) => leaseOwner == null
            ? work.LeaseExpiresAt == null || work.LeaseExpiresAt < now
            : work.LeaseOwner == leaseOwner;

    /// <summary><paramref name="query"/> with each call of <see cref="Settleable{T}"/> written out as its rule.</summary>
    public static Expression<TDelegate> Inline<TDelegate>(Expression<TDelegate> query) =>
        (Expression<TDelegate>)new SettleableInliner().Visit(query);

    private sealed class SettleableInliner : ExpressionVisitor
    {
        private static readonly MethodInfo Call = typeof(Leases).GetMethod(nameof(Settleable))!;
        private static readonly MethodInfo Rule = typeof(Leases).GetMethod(nameof(SettleableRule), BindingFlags.NonPublic | BindingFlags.Static)!;

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (!node.Method.IsGenericMethod || node.Method.GetGenericMethodDefinition() != Call)
            {
                return base.VisitMethodCall(node);
            }
            var rule = (LambdaExpression)Rule.MakeGenericMethod(node.Method.GetGenericArguments()).Invoke(null, null)!;
            return new ReplacingExpressionVisitor(rule.Parameters, [.. node.Arguments.Select(argument => Visit(argument))]).Visit(rule.Body);
        }
    }

    /// <summary>What every final state shares: nobody holds the work or schedules it any more.</summary>
    public static void Release(ILeasedWork work)
    {
        work.NextAttemptAt = null;
        work.LeaseOwner = null;
        work.LeaseExpiresAt = null;
    }

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> rows of <typeparamref name="T"/> that are in <paramref name="openStatus"/>,
    /// due (<c>NextAttemptAt &lt;= now</c>) and not leased (as <see cref="Settleable{T}"/> for a null owner), earliest due first, for
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
        // Identifiers come from the model, values are parameters ({3} is now). The lease test is SettleableRule<T>'s for a null owner, in SQL.
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
