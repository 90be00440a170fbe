using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PaymentHub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CompactEnumChecks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The same names in the form PostgreSQL reads back cheaply on every write (PaymentHubDbContext.AddEnumCheckConstraints).
            // One transaction for the drops and the adds: no other session sees a table without its constraint. Each add is
            // NOT VALID and is validated after the commit, so no table stays locked while its rows are read
            // (CheckConstraintGuard.ValidateAfterCommit).
            migrationBuilder.DropCheckConstraint(
                name: "CK_webhook_endpoints_status",
                table: "webhook_endpoints");

            migrationBuilder.DropCheckConstraint(
                name: "CK_webhook_deliveries_status",
                table: "webhook_deliveries");

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
                name: "CK_recharge_orders_stage",
                table: "recharge_orders");

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
                name: "CK_bill_orders_stage",
                table: "bill_orders");

            migrationBuilder.DropCheckConstraint(
                name: "CK_bill_orders_status",
                table: "bill_orders");

            migrationBuilder.AddCheckConstraint(
                name: "CK_webhook_endpoints_status",
                table: "webhook_endpoints",
                sql: "status = ANY ('{\"Enabled\",\"Disabled\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_webhook_deliveries_status",
                table: "webhook_deliveries",
                sql: "status = ANY ('{\"Pending\",\"Delivered\",\"Failed\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups",
                sql: "gateway = ANY ('{\"ShurjoPay\",\"SecureSoftPay\",\"Sandbox\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_status",
                table: "top_ups",
                sql: "status = ANY ('{\"Initiating\",\"Pending\",\"Review\",\"Completed\",\"Failed\",\"Cancelled\",\"Expired\",\"Rejected\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_resellers_status",
                table: "resellers",
                sql: "status = ANY ('{\"Active\",\"Suspended\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_recharge_orders_stage",
                table: "recharge_orders",
                sql: "stage = ANY ('{\"Manual\",\"Sending\",\"Unknown\",\"Done\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_recharge_orders_status",
                table: "recharge_orders",
                sql: "status = ANY ('{\"Processing\",\"Success\",\"Failed\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_providers_status",
                table: "providers",
                sql: "status = ANY ('{\"Active\",\"Inactive\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_mobile_operators_postpaid_commission_type",
                table: "mobile_operators",
                sql: "postpaid_commission_type = ANY ('{\"Percent\",\"Fixed\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_mobile_operators_prepaid_commission_type",
                table: "mobile_operators",
                sql: "prepaid_commission_type = ANY ('{\"Percent\",\"Fixed\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_ledger_journals_kind",
                table: "ledger_journals",
                sql: "kind = ANY ('{\"OperatorCredit\",\"OperatorDebit\",\"BillOrderDebit\",\"BillOrderRefund\",\"RechargeDebit\",\"RechargeRefund\",\"Cashback\",\"TopUpCredit\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_ledger_accounts_kind",
                table: "ledger_accounts",
                sql: "kind = ANY ('{\"ResellerWallet\",\"OperatorFunding\",\"FeeIncome\",\"CommissionExpense\",\"UpstreamPayable\",\"RewardExpense\",\"GatewayClearing\",\"GatewayFeeExpense\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_iak_products_status",
                table: "iak_products",
                sql: "status = ANY ('{\"Active\",\"Inactive\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways",
                sql: "gateway = ANY ('{\"ShurjoPay\",\"SecureSoftPay\",\"Sandbox\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_cashback_offers_type",
                table: "cashback_offers",
                sql: "type = ANY ('{\"Fixed\",\"Percent\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_services_status",
                table: "bill_services",
                sql: "status = ANY ('{\"Active\",\"Inactive\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_orders_stage",
                table: "bill_orders",
                sql: "stage = ANY ('{\"New\",\"SandboxWait\",\"Paying\",\"Checking\",\"Submitting\",\"Submitted\",\"Settling\",\"Done\"}'::text[])");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_orders_status",
                table: "bill_orders",
                sql: "status = ANY ('{\"Processing\",\"Success\",\"Cancelled\"}'::text[])");

            // The same names as before, so no row can violate them; the guard keeps the convention (README, "Adding a migration").
            CheckConstraintGuard.StopOnViolatingRows(migrationBuilder, TargetModel);
            CheckConstraintGuard.ValidateAfterCommit(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "CK_webhook_endpoints_status",
                table: "webhook_endpoints");

            migrationBuilder.DropCheckConstraint(
                name: "CK_webhook_deliveries_status",
                table: "webhook_deliveries");

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
                name: "CK_recharge_orders_stage",
                table: "recharge_orders");

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
                name: "CK_bill_orders_stage",
                table: "bill_orders");

            migrationBuilder.DropCheckConstraint(
                name: "CK_bill_orders_status",
                table: "bill_orders");

            migrationBuilder.AddCheckConstraint(
                name: "CK_webhook_endpoints_status",
                table: "webhook_endpoints",
                sql: "status IN ('Enabled', 'Disabled')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_webhook_deliveries_status",
                table: "webhook_deliveries",
                sql: "status IN ('Pending', 'Delivered', 'Failed')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups",
                sql: "gateway IN ('ShurjoPay', 'SecureSoftPay', 'Sandbox')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_status",
                table: "top_ups",
                sql: "status IN ('Initiating', 'Pending', 'Review', 'Completed', 'Failed', 'Cancelled', 'Expired', 'Rejected')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_resellers_status",
                table: "resellers",
                sql: "status IN ('Active', 'Suspended')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_recharge_orders_stage",
                table: "recharge_orders",
                sql: "stage IN ('Manual', 'Sending', 'Unknown', 'Done')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_recharge_orders_status",
                table: "recharge_orders",
                sql: "status IN ('Processing', 'Success', 'Failed')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_providers_status",
                table: "providers",
                sql: "status IN ('Active', 'Inactive')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_mobile_operators_postpaid_commission_type",
                table: "mobile_operators",
                sql: "postpaid_commission_type IN ('Percent', 'Fixed')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_mobile_operators_prepaid_commission_type",
                table: "mobile_operators",
                sql: "prepaid_commission_type IN ('Percent', 'Fixed')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_ledger_journals_kind",
                table: "ledger_journals",
                sql: "kind IN ('OperatorCredit', 'OperatorDebit', 'BillOrderDebit', 'BillOrderRefund', 'RechargeDebit', 'RechargeRefund', 'Cashback', 'TopUpCredit')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_ledger_accounts_kind",
                table: "ledger_accounts",
                sql: "kind IN ('ResellerWallet', 'OperatorFunding', 'FeeIncome', 'CommissionExpense', 'UpstreamPayable', 'RewardExpense', 'GatewayClearing', 'GatewayFeeExpense')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_iak_products_status",
                table: "iak_products",
                sql: "status IN ('Active', 'Inactive')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways",
                sql: "gateway IN ('ShurjoPay', 'SecureSoftPay', 'Sandbox')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_cashback_offers_type",
                table: "cashback_offers",
                sql: "type IN ('Fixed', 'Percent')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_services_status",
                table: "bill_services",
                sql: "status IN ('Active', 'Inactive')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_orders_stage",
                table: "bill_orders",
                sql: "stage IN ('New', 'SandboxWait', 'Paying', 'Checking', 'Submitting', 'Submitted', 'Settling', 'Done')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_orders_status",
                table: "bill_orders",
                sql: "status IN ('Processing', 'Success', 'Cancelled')");

            CheckConstraintGuard.StopOnViolatingRows(migrationBuilder, TargetModel);
            CheckConstraintGuard.ValidateAfterCommit(migrationBuilder);
        }
    }
}
