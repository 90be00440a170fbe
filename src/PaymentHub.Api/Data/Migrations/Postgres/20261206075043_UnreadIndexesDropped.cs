using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PaymentHub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UnreadIndexesDropped : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The new unique index before the old one goes, so that no moment is without it.
            migrationBuilder.CreateIndex(
                name: "IX_ledger_journals_reference_kind",
                table: "ledger_journals",
                columns: new[] { "reference", "kind" },
                unique: true);

            migrationBuilder.DropIndex(
                name: "IX_recharge_orders_debit_journal_id",
                table: "recharge_orders");

            migrationBuilder.DropIndex(
                name: "IX_recharge_orders_operator_code",
                table: "recharge_orders");

            migrationBuilder.DropIndex(
                name: "IX_recharge_orders_refund_journal_id",
                table: "recharge_orders");

            migrationBuilder.DropIndex(
                name: "IX_ledger_journals_kind_reference",
                table: "ledger_journals");

            migrationBuilder.DropIndex(
                name: "IX_ledger_journals_reference",
                table: "ledger_journals");

            migrationBuilder.DropIndex(
                name: "IX_bill_orders_debit_journal_id",
                table: "bill_orders");

            migrationBuilder.DropIndex(
                name: "IX_bill_orders_refund_journal_id",
                table: "bill_orders");

            migrationBuilder.DropIndex(
                name: "IX_bill_orders_service_id",
                table: "bill_orders");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_recharge_orders_debit_journal_id",
                table: "recharge_orders",
                column: "debit_journal_id");

            migrationBuilder.CreateIndex(
                name: "IX_recharge_orders_operator_code",
                table: "recharge_orders",
                column: "operator_code");

            migrationBuilder.CreateIndex(
                name: "IX_recharge_orders_refund_journal_id",
                table: "recharge_orders",
                column: "refund_journal_id");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_journals_kind_reference",
                table: "ledger_journals",
                columns: new[] { "kind", "reference" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ledger_journals_reference",
                table: "ledger_journals",
                column: "reference");

            migrationBuilder.CreateIndex(
                name: "IX_bill_orders_debit_journal_id",
                table: "bill_orders",
                column: "debit_journal_id");

            migrationBuilder.CreateIndex(
                name: "IX_bill_orders_refund_journal_id",
                table: "bill_orders",
                column: "refund_journal_id");

            migrationBuilder.CreateIndex(
                name: "IX_bill_orders_service_id",
                table: "bill_orders",
                column: "service_id");

            migrationBuilder.DropIndex(
                name: "IX_ledger_journals_reference_kind",
                table: "ledger_journals");
        }
    }
}
