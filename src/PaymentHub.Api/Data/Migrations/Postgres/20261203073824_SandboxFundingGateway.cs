using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PaymentHub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SandboxFundingGateway : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups");

            migrationBuilder.DropCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways");

            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups",
                sql: "gateway IN ('ShurjoPay', 'SecureSoftPay', 'Sandbox')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways",
                sql: "gateway IN ('ShurjoPay', 'SecureSoftPay', 'Sandbox')");

            // Widening the lists refuses no row; the guard stays as for every CHECK constraint migration.
            CheckConstraintGuard.StopOnViolatingRows(migrationBuilder, TargetModel);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups");

            migrationBuilder.DropCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways");

            migrationBuilder.AddCheckConstraint(
                name: "CK_top_ups_gateway",
                table: "top_ups",
                sql: "gateway IN ('ShurjoPay', 'SecureSoftPay')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_funding_gateways_gateway",
                table: "funding_gateways",
                sql: "gateway IN ('ShurjoPay', 'SecureSoftPay')");

            // Going back while sandbox top-ups exist stops naming them, before anything changed.
            CheckConstraintGuard.StopOnViolatingRows(migrationBuilder, TargetModel);
        }
    }
}
