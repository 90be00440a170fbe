using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Fulfilment;

namespace PaymentHub.Recharge;

/// <summary>
/// The recharge order's two writes on the hot path, the placement's INSERT and the settlement's UPDATE. On PostgreSQL
/// each is one prepared statement on the caller's transaction, run where it is called; on SQLite the change tracker
/// writes them at the caller's save. Why: in a profile of the sandbox recharge step (bench/README.md) EF's
/// <c>SaveChanges</c> of these two rows was about a fifth of the gateway's CPU per recharge (the INSERT 10 %, the UPDATE
/// 9 %), most of it EF building the command and tracking the row, not the statement itself.
/// Both statements name every column they write; the tests run them against the migrated schema.
/// </summary>
public static class RechargeOrderWrites
{
    /// <summary>Inserts a new order (its <see cref="RechargeOrder.DebitJournal"/> already written) and sets its id; SQLite: adds it for the save.</summary>
    public static async Task InsertAsync(PaymentHubDbContext db, RechargeOrder order, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            db.RechargeOrders.Add(order);
            return;
        }
        var journal = order.DebitJournal ?? throw new InvalidOperationException("A recharge order is inserted with its debit journal.");
        await using var command = db.Database.CreateCommand(InsertSql,
            ("order_number", order.OrderNumber), ("reseller_id", order.ResellerId), ("phone", order.Phone),
            ("operator_code", order.OperatorCode), ("operator_name", order.OperatorName), ("account_type", order.AccountType),
            ("amount", order.Amount), ("commission", order.Commission), ("debit_amount", order.DebitAmount),
            ("before_balance", order.BeforeBalance), ("after_balance", order.AfterBalance), ("status", order.Status.ToString()),
            ("debit_journal_id", journal.Id), ("connector", order.Connector), ("stage", order.Stage.ToString()),
            ("attempts", order.Attempts), ("next_attempt_at", order.NextAttemptAt),
            ("created_at", order.CreatedAt), ("updated_at", order.UpdatedAt));
        order.DebitJournalId = journal.Id;
        order.Id = (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Writes a settled order's outcome: <paramref name="order"/> was read without tracking under its row lock
    /// (<see cref="Leases.TrackLocked{T}"/>), and everything a settlement changes on it is written from it. SQLite: the
    /// context's one copy of the order, marked changed for the caller's save.
    /// </summary>
    public static async Task WriteOutcomeAsync(PaymentHubDbContext db, RechargeOrder order, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            Leases.TrackLocked(db, order);
            db.Entry(order).State = EntityState.Modified;
            return;
        }
        await using var command = db.Database.CreateCommand(OutcomeSql,
            ("id", order.Id), ("status", order.Status.ToString()), ("stage", order.Stage.ToString()),
            ("operator_transaction_id", order.OperatorTransactionId), ("failure_reason", order.FailureReason),
            ("refund_journal_id", order.RefundJournalId), ("reward_result", order.RewardResult),
            ("next_attempt_at", order.NextAttemptAt), ("lease_owner", order.LeaseOwner),
            ("lease_expires_at", order.LeaseExpiresAt), ("completed_at", order.CompletedAt),
            ("updated_at", order.UpdatedAt));
        if (await command.ExecuteNonQueryAsync(ct) != 1)
        {
            // The row is locked by this transaction: it cannot have gone.
            throw new InvalidOperationException($"Recharge order {order.Id} was not updated.");
        }
    }

    private const string InsertSql = """
        INSERT INTO recharge_orders (order_number, reseller_id, phone, operator_code, operator_name, account_type, amount,
            commission, debit_amount, before_balance, after_balance, status, debit_journal_id, connector, stage, attempts,
            next_attempt_at, created_at, updated_at)
        VALUES (@order_number, @reseller_id, @phone, @operator_code, @operator_name, @account_type, @amount,
            @commission, @debit_amount, @before_balance, @after_balance, @status, @debit_journal_id, @connector, @stage, @attempts,
            @next_attempt_at, @created_at, @updated_at)
        RETURNING id
        """;

    private const string OutcomeSql = """
        UPDATE recharge_orders SET status = @status, stage = @stage, operator_transaction_id = @operator_transaction_id,
            failure_reason = @failure_reason, refund_journal_id = @refund_journal_id, reward_result = @reward_result,
            next_attempt_at = @next_attempt_at, lease_owner = @lease_owner, lease_expires_at = @lease_expires_at,
            completed_at = @completed_at, updated_at = @updated_at
        WHERE id = @id
        """;
}
