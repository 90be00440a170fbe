using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace PaymentHub.Data.Migrations.Baseline;

/// <summary>Mobile recharge: operators (nurr's six, as reference data), orders, rewards and cashback. Written by hand.</summary>
public abstract class Recharge : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "mobile_operators",
            columns: table => new
            {
                code = table.Column<string>(maxLength: 16, nullable: false),
                connector = table.Column<string>(maxLength: 32, nullable: false),
                is_active = table.Column<bool>(nullable: false),
                name = table.Column<string>(maxLength: 100, nullable: false),
                postpaid_commission = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                postpaid_commission_type = table.Column<string>(maxLength: 16, nullable: false),
                postpaid_max = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                postpaid_min = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                prefixes = table.Column<string>(maxLength: 100, nullable: false),
                prepaid_commission = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                prepaid_commission_type = table.Column<string>(maxLength: 16, nullable: false),
                prepaid_max = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                prepaid_min = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                sort_order = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_mobile_operators", x => x.code);
            });


        migrationBuilder.CreateTable(
            name: "recharge_orders",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                account_type = table.Column<string>(maxLength: 16, nullable: false),
                after_balance = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                attempts = table.Column<int>(nullable: false),
                before_balance = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                commission = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                completed_at = table.Column<DateTime?>(nullable: true),
                connector = table.Column<string>(maxLength: 32, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                debit_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                debit_journal_id = table.Column<long>(nullable: false),
                failure_reason = table.Column<string>(maxLength: 500, nullable: true),
                flag_reason = table.Column<string>(maxLength: 500, nullable: true),
                flagged_at = table.Column<DateTime?>(nullable: true),
                last_error = table.Column<string>(maxLength: 1000, nullable: true),
                lease_expires_at = table.Column<DateTime?>(nullable: true),
                lease_owner = table.Column<string>(maxLength: 100, nullable: true),
                next_attempt_at = table.Column<DateTime?>(nullable: true),
                operator_code = table.Column<string>(maxLength: 16, nullable: false),
                operator_name = table.Column<string>(maxLength: 100, nullable: false),
                operator_transaction_id = table.Column<string>(maxLength: 100, nullable: true),
                order_number = table.Column<string>(maxLength: 40, nullable: false),
                phone = table.Column<string>(maxLength: 11, nullable: false),
                refund_journal_id = table.Column<long?>(nullable: true),
                reseller_id = table.Column<int>(nullable: false),
                reward_result = table.Column<string>(maxLength: 2000, nullable: true),
                stage = table.Column<string>(maxLength: 32, nullable: true),
                status = table.Column<string>(maxLength: 16, nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
                upstream_ref = table.Column<string>(maxLength: 64, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_recharge_orders", x => x.id);
                table.ForeignKey(name: "FK_recharge_orders_ledger_journals_debit_journal_id", column: x => x.debit_journal_id, principalTable: "ledger_journals", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_recharge_orders_ledger_journals_refund_journal_id", column: x => x.refund_journal_id, principalTable: "ledger_journals", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_recharge_orders_mobile_operators_operator_code", column: x => x.operator_code, principalTable: "mobile_operators", principalColumn: "code", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_recharge_orders_resellers_reseller_id", column: x => x.reseller_id, principalTable: "resellers", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_recharge_orders_debit_journal_id", table: "recharge_orders", column: "debit_journal_id");
        migrationBuilder.CreateIndex(name: "IX_recharge_orders_operator_code", table: "recharge_orders", column: "operator_code");
        migrationBuilder.CreateIndex(name: "IX_recharge_orders_order_number", table: "recharge_orders", column: "order_number", unique: true);
        migrationBuilder.CreateIndex(name: "IX_recharge_orders_refund_journal_id", table: "recharge_orders", column: "refund_journal_id");
        migrationBuilder.CreateIndex(name: "IX_recharge_orders_reseller_id_created_at", table: "recharge_orders", columns: new[] { "reseller_id", "created_at" });
        migrationBuilder.CreateIndex(name: "IX_recharge_orders_status_next_attempt_at", table: "recharge_orders", columns: new[] { "status", "next_attempt_at" });

        migrationBuilder.CreateTable(
            name: "reward_settings",
            columns: table => new
            {
                id = table.Column<int>(nullable: false),
                points_percent = table.Column<decimal>(precision: 9, scale: 4, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_reward_settings", x => x.id);
            });


        migrationBuilder.CreateTable(
            name: "reward_levels",
            columns: table => new
            {
                id = table.Column<int>(nullable: false),
                key = table.Column<string>(maxLength: 32, nullable: false),
                min_lifetime_points = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                name = table.Column<string>(maxLength: 100, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_reward_levels", x => x.id);
            });

        migrationBuilder.CreateIndex(name: "IX_reward_levels_key", table: "reward_levels", column: "key", unique: true);

        migrationBuilder.CreateTable(
            name: "reseller_reward_accounts",
            columns: table => new
            {
                reseller_id = table.Column<int>(nullable: false),
                level_id = table.Column<int?>(nullable: true),
                lifetime_points = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                points = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_reseller_reward_accounts", x => x.reseller_id);
                table.ForeignKey(name: "FK_reseller_reward_accounts_resellers_reseller_id", column: x => x.reseller_id, principalTable: "resellers", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });


        migrationBuilder.CreateTable(
            name: "cashback_offers",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                created_at = table.Column<DateTime>(nullable: false),
                is_active = table.Column<bool>(nullable: false),
                max_cashback = table.Column<decimal?>(precision: 18, scale: 2, nullable: true),
                max_per_reseller_per_day = table.Column<int>(nullable: false),
                min_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                name = table.Column<string>(maxLength: 100, nullable: false),
                operator_code = table.Column<string>(maxLength: 16, nullable: true),
                type = table.Column<string>(maxLength: 16, nullable: false),
                valid_from = table.Column<DateTime>(nullable: false),
                valid_until = table.Column<DateTime>(nullable: false),
                value = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_cashback_offers", x => x.id);
            });


        migrationBuilder.CreateTable(
            name: "cashback_grants",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                granted_at = table.Column<DateTime>(nullable: false),
                journal_id = table.Column<long>(nullable: false),
                offer_id = table.Column<int>(nullable: false),
                recharge_order_id = table.Column<long>(nullable: false),
                reseller_id = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_cashback_grants", x => x.id);
                table.ForeignKey(name: "FK_cashback_grants_cashback_offers_offer_id", column: x => x.offer_id, principalTable: "cashback_offers", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_cashback_grants_ledger_journals_journal_id", column: x => x.journal_id, principalTable: "ledger_journals", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_cashback_grants_recharge_orders_recharge_order_id", column: x => x.recharge_order_id, principalTable: "recharge_orders", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_cashback_grants_journal_id", table: "cashback_grants", column: "journal_id");
        migrationBuilder.CreateIndex(name: "IX_cashback_grants_offer_id_reseller_id_granted_at", table: "cashback_grants", columns: new[] { "offer_id", "reseller_id", "granted_at" });
        migrationBuilder.CreateIndex(name: "IX_cashback_grants_recharge_order_id", table: "cashback_grants", column: "recharge_order_id", unique: true);

        // nurr's operators and prefixes. Limits follow today's Bangladeshi minimums (20 BDT; Teletalk 10). New databases route
        // every operator to the operator's manual queue; the operator picks a connector per operator in the admin API.
        // Plain SQL: InsertData needs the model's column types, which a hand-written migration does not carry; this
        // statement means the same on PostgreSQL and SQLite.
        migrationBuilder.Sql("""
            INSERT INTO mobile_operators (code, name, prefixes, prepaid_min, prepaid_max, postpaid_min, postpaid_max,
                prepaid_commission_type, prepaid_commission, postpaid_commission_type, postpaid_commission, connector, is_active, sort_order)
            VALUES
                ('GP', 'Grameenphone', '017,013', 20, 1000, 10, 10000, 'Percent', 1, 'Percent', 0.5, 'manual', TRUE, 1),
                ('GP ST', 'Grameenphone Skitto', '017,013', 20, 1000, 10, 10000, 'Percent', 1, 'Percent', 0.5, 'manual', TRUE, 2),
                ('BL', 'Banglalink', '019,014', 20, 1000, 10, 10000, 'Percent', 1, 'Percent', 0.5, 'manual', TRUE, 3),
                ('RB', 'Robi', '018', 20, 1000, 10, 10000, 'Percent', 1, 'Percent', 0.5, 'manual', TRUE, 4),
                ('AT', 'Airtel', '016', 20, 1000, 10, 10000, 'Percent', 1, 'Percent', 0.5, 'manual', TRUE, 5),
                ('TT', 'Teletalk', '015', 10, 1000, 10, 10000, 'Percent', 1, 'Percent', 0.5, 'manual', TRUE, 6);
            INSERT INTO reward_settings (id, points_percent) VALUES (1, 0.5);
            INSERT INTO reward_levels (id, key, name, min_lifetime_points) VALUES
                (1, 'silver', 'Silver', 0), (2, 'gold', 'Gold', 500), (3, 'platinum', 'Platinum', 2000);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "cashback_grants");
        migrationBuilder.DropTable(name: "cashback_offers");
        migrationBuilder.DropTable(name: "reseller_reward_accounts");
        migrationBuilder.DropTable(name: "reward_levels");
        migrationBuilder.DropTable(name: "reward_settings");
        migrationBuilder.DropTable(name: "recharge_orders");
        migrationBuilder.DropTable(name: "mobile_operators");
    }
}
