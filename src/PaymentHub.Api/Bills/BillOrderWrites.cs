using PaymentHub.Ledger;

namespace PaymentHub.Bills;

/// <summary>
/// The bill submit's INSERT of its order. On PostgreSQL it is part of the debit's own statement
/// (<see cref="LedgerService.PostWithRowAsync"/>), so a submit's transaction is that statement and its commit; on SQLite
/// the change tracker writes it at the caller's save. Why: EF's <c>SaveChanges</c> of the order's row (a round trip of
/// its own, with EF building the command and tracking the row) was about a third of the gateway's CPU per submit
/// (bench/README.md). The statement names every column it writes; the tests run it against the migrated schema.
/// </summary>
public static class BillOrderWrites
{
    /// <summary>The new order's INSERT, for the debit's posting to run in its own statement; then <see cref="PaidRow.Placed{T}"/>.</summary>
    public static PaidRow Insert(BillOrder order) => new(InsertStatement,
        ("row_order_number", order.OrderNumber), ("row_reseller_id", order.ResellerId), ("row_provider_id", order.ProviderId),
        ("row_service_id", order.ServiceId), ("row_provider_name", order.ProviderName), ("row_service_name", order.ServiceName),
        ("row_module_data", order.ModuleData), ("row_bill_month", order.BillMonth), ("row_amount", order.Amount), ("row_fee", order.Fee),
        ("row_commission", order.Commission), ("row_total_amount", order.TotalAmount), ("row_debit_amount", order.DebitAmount),
        ("row_status", order.Status.ToString()), ("row_connector", order.Connector),
        ("row_connector_product_code", order.ConnectorProductCode), ("row_customer_number", order.CustomerNumber),
        ("row_stage", order.Stage.ToString()), ("row_attempts", order.Attempts), ("row_next_attempt_at", order.NextAttemptAt),
        ("row_created_at", order.CreatedAt), ("row_updated_at", order.UpdatedAt));

    private static readonly PaidRowStatement InsertStatement = new("""
        INSERT INTO bill_orders (order_number, reseller_id, provider_id, service_id, provider_name, service_name, module_data,
            bill_month, amount, fee, commission, total_amount, debit_amount, status, debit_journal_id, connector,
            connector_product_code, customer_number, stage, attempts, next_attempt_at, created_at, updated_at)
        SELECT @row_order_number, @row_reseller_id, @row_provider_id, @row_service_id, @row_provider_name, @row_service_name,
            @row_module_data, @row_bill_month, @row_amount, @row_fee, @row_commission, @row_total_amount, @row_debit_amount,
            @row_status, journal.id, @row_connector, @row_connector_product_code, @row_customer_number, @row_stage, @row_attempts,
            @row_next_attempt_at, @row_created_at, @row_updated_at
        FROM journal
        """);
}
