using Microsoft.EntityFrameworkCore;
using PaymentHub.Data;

namespace PaymentHub.Bills;

/// <summary>
/// The bill submit's INSERT of its order. On PostgreSQL it is one prepared statement on the caller's transaction, run
/// where it is called; on SQLite the change tracker writes it at the caller's save. Why: on the sandbox recharge, whose
/// order is written the same way (<see cref="Recharge.RechargeOrderWrites"/>), EF's <c>SaveChanges</c> of the order's
/// row was about a tenth of the gateway's CPU per request, most of it EF building the command and tracking the row.
/// The statement names every column it writes; the tests run it against the migrated schema.
/// </summary>
public static class BillOrderWrites
{
    /// <summary>Inserts a new order (its <see cref="BillOrder.DebitJournal"/> already written) and sets its id; SQLite: adds it for the save.</summary>
    public static async Task InsertAsync(PaymentHubDbContext db, BillOrder order, CancellationToken ct)
    {
        if (!db.IsPostgres)
        {
            db.BillOrders.Add(order);
            return;
        }
        var journal = order.DebitJournal ?? throw new InvalidOperationException("A bill order is inserted with its debit journal.");
        await using var command = db.Database.CreateCommand(InsertSql,
            ("order_number", order.OrderNumber), ("reseller_id", order.ResellerId), ("provider_id", order.ProviderId),
            ("service_id", order.ServiceId), ("provider_name", order.ProviderName), ("service_name", order.ServiceName),
            ("module_data", order.ModuleData), ("bill_month", order.BillMonth), ("amount", order.Amount), ("fee", order.Fee),
            ("commission", order.Commission), ("total_amount", order.TotalAmount), ("debit_amount", order.DebitAmount),
            ("status", order.Status.ToString()), ("debit_journal_id", journal.Id), ("connector", order.Connector),
            ("connector_product_code", order.ConnectorProductCode), ("customer_number", order.CustomerNumber),
            ("stage", order.Stage.ToString()), ("attempts", order.Attempts), ("next_attempt_at", order.NextAttemptAt),
            ("created_at", order.CreatedAt), ("updated_at", order.UpdatedAt));
        order.DebitJournalId = journal.Id;
        order.Id = (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private const string InsertSql = """
        INSERT INTO bill_orders (order_number, reseller_id, provider_id, service_id, provider_name, service_name, module_data,
            bill_month, amount, fee, commission, total_amount, debit_amount, status, debit_journal_id, connector,
            connector_product_code, customer_number, stage, attempts, next_attempt_at, created_at, updated_at)
        VALUES (@order_number, @reseller_id, @provider_id, @service_id, @provider_name, @service_name, @module_data,
            @bill_month, @amount, @fee, @commission, @total_amount, @debit_amount, @status, @debit_journal_id, @connector,
            @connector_product_code, @customer_number, @stage, @attempts, @next_attempt_at, @created_at, @updated_at)
        RETURNING id
        """;
}
