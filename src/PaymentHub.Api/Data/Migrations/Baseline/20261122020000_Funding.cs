using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace PaymentHub.Data.Migrations.Baseline;

/// <summary>Wallet funding: top-ups through shurjoPay and SecureSoftPay, and the operator's gateway settings. Written by hand.</summary>
public abstract class Funding : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "funding_gateways",
            columns: table => new
            {
                gateway = table.Column<string>(maxLength: 16, nullable: false),
                fee_fixed = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                fee_percent = table.Column<decimal>(precision: 5, scale: 2, nullable: false),
                is_enabled = table.Column<bool>(nullable: false),
                max_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                min_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_funding_gateways", x => x.gateway);
            });


        migrationBuilder.CreateTable(
            name: "top_ups",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                check_attempts = table.Column<int>(nullable: false),
                completed_at = table.Column<DateTime?>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                credit_journal_id = table.Column<long?>(nullable: true),
                currency = table.Column<string>(maxLength: 3, nullable: false),
                customer_email = table.Column<string>(maxLength: 200, nullable: true),
                customer_name = table.Column<string>(maxLength: 100, nullable: true),
                customer_phone = table.Column<string>(maxLength: 32, nullable: true),
                expires_at = table.Column<DateTime>(nullable: false),
                fee = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                gateway = table.Column<string>(maxLength: 16, nullable: false),
                gateway_code = table.Column<string>(maxLength: 32, nullable: true),
                gateway_message = table.Column<string>(maxLength: 500, nullable: true),
                gateway_order_id = table.Column<string>(maxLength: 64, nullable: true),
                gateway_transaction_id = table.Column<string>(maxLength: 64, nullable: true),
                initiated_by = table.Column<string>(maxLength: 100, nullable: false),
                next_check_at = table.Column<DateTime?>(nullable: true),
                note = table.Column<string>(maxLength: 500, nullable: true),
                payment_method = table.Column<string>(maxLength: 64, nullable: true),
                payment_url = table.Column<string>(maxLength: 2000, nullable: true),
                reference = table.Column<string>(maxLength: 32, nullable: false),
                reseller_id = table.Column<int>(nullable: false),
                return_url = table.Column<string>(maxLength: 500, nullable: true),
                review_reason = table.Column<string>(maxLength: 500, nullable: true),
                status = table.Column<string>(maxLength: 16, nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
                verified_amount = table.Column<decimal?>(precision: 18, scale: 2, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_top_ups", x => x.id);
                table.ForeignKey(name: "FK_top_ups_resellers_reseller_id", column: x => x.reseller_id, principalTable: "resellers", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_top_ups_gateway_gateway_order_id", table: "top_ups", columns: new[] { "gateway", "gateway_order_id" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_top_ups_gateway_gateway_transaction_id", table: "top_ups", columns: new[] { "gateway", "gateway_transaction_id" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_top_ups_reference", table: "top_ups", column: "reference", unique: true);
        migrationBuilder.CreateIndex(name: "IX_top_ups_reseller_id_created_at", table: "top_ups", columns: new[] { "reseller_id", "created_at" });
        migrationBuilder.CreateIndex(name: "IX_top_ups_status_next_check_at", table: "top_ups", columns: new[] { "status", "next_check_at" });

        // Both gateways start enabled with the same limits (shurjoPay's plugins refuse less than 10 BDT) and no fee;
        // a gateway is only offered once its Connectors section is configured.
        migrationBuilder.Sql("""
            INSERT INTO funding_gateways (gateway, is_enabled, min_amount, max_amount, fee_percent, fee_fixed, updated_at)
            VALUES ('ShurjoPay', TRUE, 10, 100000, 0, 0, '2026-11-22 00:00:00'),
                   ('SecureSoftPay', TRUE, 10, 100000, 0, 0, '2026-11-22 00:00:00');
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "top_ups");
        migrationBuilder.DropTable(name: "funding_gateways");
    }
}
