using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Infrastructure;

namespace PaymentHub.Idempotency;

public enum IdempotencyVerdict
{
    Proceed,
    Replay,
    InFlight,
    Mismatch,
}

public sealed record IdempotencyDecision(IdempotencyVerdict Verdict, IdempotencyRecord? Record = null)
{
    public IResult ToResult() => Verdict switch
    {
        IdempotencyVerdict.Replay => ResellerResults.RawJson(Record!.ResponseStatus!.Value, Record.ResponseBody!),
        IdempotencyVerdict.InFlight => ResellerResults.Error(StatusCodes.Status409Conflict,
            "A request with this request_id is still being processed."),
        IdempotencyVerdict.Mismatch => ResellerResults.Error(StatusCodes.Status422UnprocessableEntity,
            "This request_id was already used with different parameters.", "request_id"),
        _ => throw new InvalidOperationException("Nothing to answer: proceed with the request."),
    };
}

/// <summary>
/// Reseller-scoped idempotency keys (form field <c>request_id</c> or header <c>Idempotency-Key</c>).
/// Runs inside the caller's transaction; the record is saved with the order it answers for.
/// </summary>
public sealed partial class IdempotencyGate(PaymentHubDbContext db, TimeProvider clock, ILogger<IdempotencyGate> logger)
{
    public const int MaxKeyLength = 100;

    /// <summary>The order a reseller's request_id placed in <paramref name="scope"/> (status_check by request_id), or null.</summary>
    public static Task<string?> OrderNumberForKeyAsync(
        PaymentHubDbContext db, int resellerId, string scope, string key, CancellationToken ct) =>
        OrderNumberQuery.For(db)(db, resellerId, scope, key, ct);

    // Compiled once per model, as the status_check's order lookups are (BillPaymentApi.StatusQuery).
    private static readonly CompiledPerModel<Func<PaymentHubDbContext, int, string, string, CancellationToken, Task<string?>>> OrderNumberQuery =
        new(() => EF.CompileAsyncQuery((PaymentHubDbContext db, int resellerId, string scope, string key, CancellationToken ct) =>
            db.IdempotencyRecords.Where(r => r.ResellerId == resellerId && r.Scope == scope && r.Key == key)
                .Select(r => r.OrderNumber).FirstOrDefault()));

    public static (string? Key, IResult? Error) ReadKey(HttpRequest request, ResellerForm form)
    {
        var fromForm = form["request_id"];
        var fromHeader = request.Headers["Idempotency-Key"].ToString().Trim(' ');
        if (fromHeader.Length == 0)
        {
            fromHeader = null;
        }
        if (fromForm is not null && fromHeader is not null && fromForm != fromHeader)
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity,
                "request_id and the Idempotency-Key header differ.", "request_id"));
        }
        var key = fromForm ?? fromHeader;
        if (key is not null && (key.Length > MaxKeyLength || key.Any(c => c < 0x21 || c > 0x7e)))
        {
            return (null, ResellerResults.Error(StatusCodes.Status422UnprocessableEntity,
                $"Invalid request_id: use up to {MaxKeyLength} printable ASCII characters.", "request_id"));
        }
        return (key, null);
    }

    public static string HashRequest(params string?[] parts)
    {
        var canonical = string.Join("\u001f", parts.Select(p => p ?? "\u0000"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public async Task<IdempotencyDecision> EnterAsync(int resellerId, string scope, string key, string requestHash, CancellationToken ct)
    {
        if (db.IsPostgres)
        {
            // A transaction-scoped advisory lock tells "the first request is still running" (409) apart from
            // "the first request finished" (replay) without leaving a marker behind if the process dies.
            // A raw command: EF would build the SQL of a SqlQuery with parameters again on every call (see RawCommands).
            await using var command = db.Database.CreateCommand(
                "SELECT pg_try_advisory_xact_lock(@key)", ("key", AdvisoryLockKey(resellerId, scope, key)));
            if (await command.ExecuteScalarAsync(ct) is not true)
            {
                return new IdempotencyDecision(IdempotencyVerdict.InFlight);
            }
        }
        return await LookUpAsync(resellerId, scope, key, requestHash, ct);
    }

    public async Task<IdempotencyDecision> LookUpAsync(int resellerId, string scope, string key, string requestHash, CancellationToken ct)
    {
        var existing = await db.IdempotencyRecords.AsNoTracking()
            .FirstOrDefaultAsync(r => r.ResellerId == resellerId && r.Scope == scope && r.Key == key, ct);
        if (existing is null)
        {
            return new IdempotencyDecision(IdempotencyVerdict.Proceed);
        }
        if (existing.RequestHash != requestHash)
        {
            return new IdempotencyDecision(IdempotencyVerdict.Mismatch, existing);
        }
        return existing.ResponseStatus is null
            ? new IdempotencyDecision(IdempotencyVerdict.InFlight, existing)
            : new IdempotencyDecision(IdempotencyVerdict.Replay, existing);
    }

    /// <summary>
    /// Our insert of the key's record hit the unique index: a concurrent request with the same key won (only possible
    /// where advisory locks are absent). Call after rolling back; answers what that request answered, or 409.
    /// </summary>
    public async Task<IResult> AnswerLostRaceAsync(int resellerId, string scope, string key, string requestHash, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var decision = await LookUpAsync(resellerId, scope, key, requestHash, ct);
        return decision.Verdict == IdempotencyVerdict.Proceed
            ? new IdempotencyDecision(IdempotencyVerdict.InFlight).ToResult()
            : decision.ToResult();
    }

    /// <summary>
    /// A record saved with its order but never answered, and older than any request may run: the request that wrote it
    /// died after its commit (an exception, a crash, a lost database). Its money moved, so a retry must report that order
    /// rather than answer 409 for ever, and must not charge again.
    /// </summary>
    public bool IsAbandoned(IdempotencyDecision decision, TimeSpan requestLifetime) =>
        decision is { Verdict: IdempotencyVerdict.InFlight, Record: { ResponseStatus: null, OrderNumber: not null } record }
        && record.CreatedAt < clock.GetUtcNow().UtcDateTime - requestLifetime;

    /// <summary>
    /// Stores the answer for a key, once: a record that already has one keeps it. False (and logged) when it could not be
    /// stored; the caller still answers, and a retry then finds the record unanswered (see <see cref="IsAbandoned"/>).
    /// </summary>
    public async Task<bool> TryAnswerAsync(int resellerId, string scope, string key, int status, string body)
    {
        try
        {
            await db.IdempotencyRecords
                .Where(r => r.ResellerId == resellerId && r.Scope == scope && r.Key == key && r.ResponseStatus == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ResponseStatus, status).SetProperty(r => r.ResponseBody, body), CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            LogAnswerNotStored(logger, ex, resellerId, scope);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The answer for an idempotency key of reseller {ResellerId} ({Scope}) could not be stored")]
    private static partial void LogAnswerNotStored(ILogger logger, Exception ex, int resellerId, string scope);

    public IdempotencyRecord Record(int resellerId, string scope, string key, string requestHash,
        int? responseStatus, string? responseBody, string? orderNumber)
    {
        var record = new IdempotencyRecord
        {
            ResellerId = resellerId,
            Scope = scope,
            Key = key,
            RequestHash = requestHash,
            ResponseStatus = responseStatus,
            ResponseBody = responseBody,
            OrderNumber = orderNumber,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.IdempotencyRecords.Add(record);
        return record;
    }

    public static long AdvisoryLockKey(int resellerId, string scope, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{resellerId}\u001f{scope}\u001f{key}"));
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}
