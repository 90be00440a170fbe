using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PaymentHub.Data.Migrations.Sqlite
{
    /// <summary>
    /// A CHECK constraint on every enum column (generated from the model's convention in PaymentHubDbContext), so that
    /// no code path or hand-written statement can store a value the application does not know.
    /// An existing database may already hold such values (nothing refused them before). They are not mapped or
    /// rewritten: these columns carry money-relevant state (order and top-up status, ledger kinds, commission types)
    /// and a guessed value could pay, refund or hide an order wrongly. Instead the migration first looks for them and,
    /// if any exist, stops with an error naming each row (table, key, column, value), before anything is changed; the
    /// operator corrects those rows and starts the application again.
    /// SQLite cannot add a constraint to a table, so EF rebuilds the 12 tables (copy, swap with foreign keys off, indexes)
    /// in steps outside one transaction (EF warns about it when applying); copies left by a killed run are dropped first.
    /// </summary>
    public partial class EnumCheckConstraints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups",
                sql: "\"gateway\" IN ('ShurjoPay', 'SecureSoftPay')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_status",
                table: "top_ups",
                sql: "\"status\" IN ('Initiating', 'Pending', 'Review', 'Completed', 'Failed', 'Cancelled', 'Expired', 'Rejected')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_resellers_status",
                table: "resellers",
                sql: "\"status\" IN ('Active', 'Suspended')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_recharge_orders_status",
                table: "recharge_orders",
                sql: "\"status\" IN ('Processing', 'Success', 'Failed')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_providers_status",
                table: "providers",
                sql: "\"status\" IN ('Active', 'Inactive')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_mobile_operators_postpaid_commission_type",
                table: "mobile_operators",
                sql: "\"postpaid_commission_type\" IN ('Percent', 'Fixed')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_mobile_operators_prepaid_commission_type",
                table: "mobile_operators",
                sql: "\"prepaid_commission_type\" IN ('Percent', 'Fixed')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_ledger_journals_kind",
                table: "ledger_journals",
                sql: "\"kind\" IN ('OperatorCredit', 'OperatorDebit', 'BillOrderDebit', 'BillOrderRefund', 'RechargeDebit', 'RechargeRefund', 'Cashback', 'TopUpCredit')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_ledger_accounts_kind",
                table: "ledger_accounts",
                sql: "\"kind\" IN ('ResellerWallet', 'OperatorFunding', 'FeeIncome', 'CommissionExpense', 'UpstreamPayable', 'RewardExpense', 'GatewayClearing', 'GatewayFeeExpense')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_iak_products_status",
                table: "iak_products",
                sql: "\"status\" IN ('Active', 'Inactive')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways",
                sql: "\"gateway\" IN ('ShurjoPay', 'SecureSoftPay')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_cashback_offers_type",
                table: "cashback_offers",
                sql: "\"type\" IN ('Fixed', 'Percent')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_services_status",
                table: "bill_services",
                sql: "\"status\" IN ('Active', 'Inactive')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_orders_status",
                table: "bill_orders",
                sql: "\"status\" IN ('Processing', 'Success', 'Cancelled')");

            // Runs ahead of the constraints above: stops, naming the rows, if any row would violate them.
            CheckConstraintGuard.StopOnViolatingRows(migrationBuilder, TargetModel);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups");

            migrationBuilder.DropCheckConstraint(
                name: "CK_top_ups_status",
                table: "top_ups");

            migrationBuilder.DropCheckConstraint(
                name: "CK_resellers_status",
                table: "resellers");

            migrationBuilder.DropCheckConstraint(
                name: "CK_recharge_orders_status",
                table: "recharge_orders");

            migrationBuilder.DropCheckConstraint(
                name: "CK_providers_status",
                table: "providers");

            migrationBuilder.DropCheckConstraint(
                name: "CK_mobile_operators_postpaid_commission_type",
                table: "mobile_operators");

            migrationBuilder.DropCheckConstraint(
                name: "CK_mobile_operators_prepaid_commission_type",
                table: "mobile_operators");

            migrationBuilder.DropCheckConstraint(
                name: "CK_ledger_journals_kind",
                table: "ledger_journals");

            migrationBuilder.DropCheckConstraint(
                name: "CK_ledger_accounts_kind",
                table: "ledger_accounts");

            migrationBuilder.DropCheckConstraint(
                name: "CK_iak_products_status",
                table: "iak_products");

            migrationBuilder.DropCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways");

            migrationBuilder.DropCheckConstraint(
                name: "CK_cashback_offers_type",
                table: "cashback_offers");

            migrationBuilder.DropCheckConstraint(
                name: "CK_bill_services_status",
                table: "bill_services");

            migrationBuilder.DropCheckConstraint(
                name: "CK_bill_orders_status",
                table: "bill_orders");
        }
    }
}
