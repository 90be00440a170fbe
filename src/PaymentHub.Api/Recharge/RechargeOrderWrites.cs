using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Ledger;

namespace PaymentHub.Recharge;

/// <summary>
/// The recharge order's two writes on the hot path, the placement's INSERT and the settlement's UPDATE. On PostgreSQL
/// the INSERT is part of the debit's own statement and the UPDATE one prepared statement on the settlement's
/// transaction; on SQLite the change tracker writes them at the caller's save. Why: in a profile of the sandbox recharge
/// step (bench/README.md) EF's <c>SaveChanges</c> of these two rows was about a fifth of the gateway's CPU per recharge
/// (the INSERT 10 %, the UPDATE 9 %), most of it EF building the command and tracking the row, not the statement itself.
/// Both statements name every column they write; the tests run them against the migrated schema.
/// </summary>
public static class RechargeOrderWrites
{
    /// <summary>
    /// The new order's INSERT, for the debit's posting to run in its own statement (<see cref="LedgerService.PostWithRowAsync"/>):
    /// the debit journal's id and the wallet's balances come from that statement. Then <see cref="Placed"/>.
    /// </summary>
    public static PaidRow Insert(RechargeOrder order) => new(InsertStatement,
        ("row_order_number", order.OrderNumber), ("row_reseller_id", order.ResellerId), ("row_phone", order.Phone),
        ("row_operator_code", order.OperatorCode), ("row_operator_name", order.OperatorName), ("row_account_type", order.AccountType),
        ("row_amount", order.Amount), ("row_commission", order.Commission), ("row_debit_amount", order.DebitAmount),
        ("row_status", order.Status.ToString()), ("row_connector", order.Connector), ("row_stage", order.Stage.ToString()),
        ("row_attempts", order.Attempts), ("row_next_attempt_at", order.NextAttemptAt),
        ("row_created_at", order.CreatedAt), ("row_updated_at", order.UpdatedAt));

    /// <summary>
    /// The order once its debit is posted: its id where the posting inserted it (<paramref name="insertedId"/>, PostgreSQL),
    /// otherwise added to the context for the caller's save (SQLite), with its debit journal and the wallet's balances.
    /// </summary>
    public static void Placed(PaymentHubDbContext db, RechargeOrder order, LedgerJournal debit, decimal balanceAfter, long? insertedId)
    {
        order.AfterBalance = balanceAfter;
        order.BeforeBalance = balanceAfter + order.DebitAmount;
        PaidRow.Placed(db.RechargeOrders, order, debit, insertedId);
    }

    /// <summary>
    /// Writes a settled order's outcome: <paramref name="order"/> was read without tracking under its row lock, and
    /// everything a settlement changes on it is written from it. SQLite: made the context's one copy of the order
    /// (<see cref="Leases.TrackLocked{T}"/>) and marked changed, for the caller's save.
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

    private static readonly PaidRowStatement InsertStatement = new("""
        INSERT INTO recharge_orders (order_number, reseller_id, phone, operator_code, operator_name, account_type, amount,
            commission, debit_amount, before_balance, after_balance, status, debit_journal_id, connector, stage, attempts,
            next_attempt_at, created_at, updated_at)
        SELECT @row_order_number, @row_reseller_id, @row_phone, @row_operator_code, @row_operator_name, @row_account_type, @row_amount,
            @row_commission, @row_debit_amount, wallet.balance + @row_debit_amount, wallet.balance, @row_status, journal.id, @row_connector,
            @row_stage, @row_attempts, @row_next_attempt_at, @row_created_at, @row_updated_at
        FROM journal, wallet
        """);

    private const string OutcomeSql = """
        UPDATE recharge_orders SET status = @status, stage = @stage, operator_transaction_id = @operator_transaction_id,
            failure_reason = @failure_reason, refund_journal_id = @refund_journal_id, reward_result = @reward_result,
            next_attempt_at = @next_attempt_at, lease_owner = @lease_owner, lease_expires_at = @lease_expires_at,
            completed_at = @completed_at, updated_at = @updated_at
        WHERE id = @id
        """;
}
