using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace PaymentHub.Data.Migrations.Baseline;

/// <summary>
/// The first of the four hand-written baseline migrations (before dotnet-ef was used here), frozen as they were applied:
/// one body serves PostgreSQL and SQLite (column types come from each provider's type mapping, and each provider reads
/// only its own annotations). Migrations/Postgres and Migrations/Sqlite each apply them under the original IDs, so
/// databases that already ran them see no change. SchemaDriftTests compare the migrated schema with the model on both.
/// </summary>
public abstract class Foundation : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "ledger_accounts",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                balance = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                code = table.Column<string>(maxLength: 64, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                kind = table.Column<string>(maxLength: 32, nullable: false),
                reseller_id = table.Column<int?>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ledger_accounts", x => x.id);
            });

        migrationBuilder.CreateIndex(name: "IX_ledger_accounts_code", table: "ledger_accounts", column: "code", unique: true);
        migrationBuilder.CreateIndex(name: "IX_ledger_accounts_reseller_id", table: "ledger_accounts", column: "reseller_id");

        migrationBuilder.CreateTable(
            name: "ledger_journals",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                created_at = table.Column<DateTime>(nullable: false),
                description = table.Column<string>(maxLength: 500, nullable: true),
                kind = table.Column<string>(maxLength: 32, nullable: false),
                reference = table.Column<string>(maxLength: 64, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ledger_journals", x => x.id);
            });

        migrationBuilder.CreateIndex(name: "IX_ledger_journals_kind_reference", table: "ledger_journals", columns: new[] { "kind", "reference" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_ledger_journals_reference", table: "ledger_journals", column: "reference");

        migrationBuilder.CreateTable(
            name: "ledger_entries",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                account_id = table.Column<long>(nullable: false),
                amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                journal_id = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ledger_entries", x => x.id);
                table.ForeignKey(name: "FK_ledger_entries_ledger_accounts_account_id", column: x => x.account_id, principalTable: "ledger_accounts", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_ledger_entries_ledger_journals_journal_id", column: x => x.journal_id, principalTable: "ledger_journals", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_ledger_entries_account_id", table: "ledger_entries", column: "account_id");
        migrationBuilder.CreateIndex(name: "IX_ledger_entries_journal_id", table: "ledger_entries", column: "journal_id");

        migrationBuilder.CreateTable(
            name: "resellers",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                created_at = table.Column<DateTime>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                status = table.Column<string>(maxLength: 16, nullable: false),
                wallet_account_id = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_resellers", x => x.id);
                table.ForeignKey(name: "FK_resellers_ledger_accounts_wallet_account_id", column: x => x.wallet_account_id, principalTable: "ledger_accounts", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_resellers_wallet_account_id", table: "resellers", column: "wallet_account_id", unique: true);

        migrationBuilder.CreateTable(
            name: "api_credentials",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                api_key = table.Column<string>(maxLength: 64, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                reseller_id = table.Column<int>(nullable: false),
                revoked_at = table.Column<DateTime?>(nullable: true),
                secret_hash = table.Column<byte[]>(maxLength: 32, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_api_credentials", x => x.id);
                table.ForeignKey(name: "FK_api_credentials_resellers_reseller_id", column: x => x.reseller_id, principalTable: "resellers", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_api_credentials_api_key", table: "api_credentials", column: "api_key", unique: true);
        migrationBuilder.CreateIndex(name: "IX_api_credentials_reseller_id", table: "api_credentials", column: "reseller_id");

        migrationBuilder.CreateTable(
            name: "app_settings",
            columns: table => new
            {
                name = table.Column<string>(maxLength: 100, nullable: false),
                value = table.Column<string>(maxLength: 500, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_app_settings", x => x.name);
            });


        migrationBuilder.CreateTable(
            name: "admin_keys",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                created_at = table.Column<DateTime>(nullable: false),
                key_hash = table.Column<byte[]>(maxLength: 32, nullable: false),
                key_prefix = table.Column<string>(maxLength: 16, nullable: false),
                name = table.Column<string>(maxLength: 100, nullable: false),
                revoked_at = table.Column<DateTime?>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_admin_keys", x => x.id);
            });

        migrationBuilder.CreateIndex(name: "IX_admin_keys_key_hash", table: "admin_keys", column: "key_hash", unique: true);

        migrationBuilder.CreateTable(
            name: "audit_log",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                action = table.Column<string>(maxLength: 200, nullable: false),
                actor = table.Column<string>(maxLength: 100, nullable: false),
                admin_key_id = table.Column<int?>(nullable: true),
                at = table.Column<DateTime>(nullable: false),
                details = table.Column<string>(maxLength: 4000, nullable: true),
                remote_ip = table.Column<string>(maxLength: 64, nullable: true),
                status_code = table.Column<int>(nullable: false),
                target = table.Column<string>(maxLength: 200, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_audit_log", x => x.id);
            });

        migrationBuilder.CreateIndex(name: "IX_audit_log_at", table: "audit_log", column: "at");

        migrationBuilder.CreateTable(
            name: "providers",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                created_at = table.Column<DateTime>(nullable: false),
                logo = table.Column<string>(maxLength: 300, nullable: false),
                name = table.Column<string>(maxLength: 100, nullable: false),
                status = table.Column<string>(maxLength: 16, nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_providers", x => x.id);
            });


        migrationBuilder.CreateTable(
            name: "bill_services",
            columns: table => new
            {
                id = table.Column<int>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                commission = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                connector = table.Column<string>(maxLength: 32, nullable: false),
                connector_product_code = table.Column<string>(maxLength: 64, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                customer_number_field = table.Column<string>(maxLength: 64, nullable: true),
                fee = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                logo = table.Column<string>(maxLength: 300, nullable: false),
                max_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                min_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                module_fields = table.Column<string>(maxLength: 500, nullable: false),
                name = table.Column<string>(maxLength: 100, nullable: false),
                provider_id = table.Column<int>(nullable: false),
                status = table.Column<string>(maxLength: 16, nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_bill_services", x => x.id);
                table.ForeignKey(name: "FK_bill_services_providers_provider_id", column: x => x.provider_id, principalTable: "providers", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_bill_services_provider_id", table: "bill_services", column: "provider_id");

        migrationBuilder.CreateTable(
            name: "bill_orders",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                attempts = table.Column<int>(nullable: false),
                bill_month = table.Column<string>(maxLength: 7, nullable: true),
                cancel_note = table.Column<string>(maxLength: 500, nullable: true),
                commission = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                completed_at = table.Column<DateTime?>(nullable: true),
                connector = table.Column<string>(maxLength: 32, nullable: false),
                connector_product_code = table.Column<string>(maxLength: 64, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                customer_number = table.Column<string>(maxLength: 100, nullable: true),
                debit_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                debit_journal_id = table.Column<long>(nullable: false),
                fee = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                flag_reason = table.Column<string>(maxLength: 500, nullable: true),
                flagged_at = table.Column<DateTime?>(nullable: true),
                last_error = table.Column<string>(maxLength: 1000, nullable: true),
                lease_expires_at = table.Column<DateTime?>(nullable: true),
                lease_owner = table.Column<string>(maxLength: 100, nullable: true),
                module_data = table.Column<string>(maxLength: 4000, nullable: false),
                next_attempt_at = table.Column<DateTime?>(nullable: true),
                order_number = table.Column<string>(maxLength: 40, nullable: false),
                provider_id = table.Column<int>(nullable: false),
                provider_name = table.Column<string>(maxLength: 100, nullable: false),
                refund_journal_id = table.Column<long?>(nullable: true),
                reseller_id = table.Column<int>(nullable: false),
                service_id = table.Column<int>(nullable: false),
                service_name = table.Column<string>(maxLength: 100, nullable: false),
                stage = table.Column<string>(maxLength: 32, nullable: true),
                status = table.Column<string>(maxLength: 16, nullable: false),
                token_number = table.Column<string>(maxLength: 300, nullable: true),
                total_amount = table.Column<decimal>(precision: 18, scale: 2, nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
                upstream_ref = table.Column<string>(maxLength: 64, nullable: true),
                upstream_state = table.Column<string>(maxLength: 4000, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_bill_orders", x => x.id);
                table.ForeignKey(name: "FK_bill_orders_bill_services_service_id", column: x => x.service_id, principalTable: "bill_services", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_bill_orders_ledger_journals_debit_journal_id", column: x => x.debit_journal_id, principalTable: "ledger_journals", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_bill_orders_ledger_journals_refund_journal_id", column: x => x.refund_journal_id, principalTable: "ledger_journals", principalColumn: "id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey(name: "FK_bill_orders_resellers_reseller_id", column: x => x.reseller_id, principalTable: "resellers", principalColumn: "id", onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(name: "IX_bill_orders_debit_journal_id", table: "bill_orders", column: "debit_journal_id");
        migrationBuilder.CreateIndex(name: "IX_bill_orders_order_number", table: "bill_orders", column: "order_number", unique: true);
        migrationBuilder.CreateIndex(name: "IX_bill_orders_refund_journal_id", table: "bill_orders", column: "refund_journal_id");
        migrationBuilder.CreateIndex(name: "IX_bill_orders_reseller_id_created_at", table: "bill_orders", columns: new[] { "reseller_id", "created_at" });
        migrationBuilder.CreateIndex(name: "IX_bill_orders_service_id", table: "bill_orders", column: "service_id");
        migrationBuilder.CreateIndex(name: "IX_bill_orders_status_next_attempt_at", table: "bill_orders", columns: new[] { "status", "next_attempt_at" });

        migrationBuilder.CreateTable(
            name: "idempotency_records",
            columns: table => new
            {
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                created_at = table.Column<DateTime>(nullable: false),
                key = table.Column<string>(maxLength: 100, nullable: false),
                order_number = table.Column<string>(maxLength: 40, nullable: true),
                request_hash = table.Column<string>(maxLength: 64, nullable: false),
                reseller_id = table.Column<int>(nullable: false),
                response_body = table.Column<string>(maxLength: 8000, nullable: true),
                response_status = table.Column<int?>(nullable: true),
                scope = table.Column<string>(maxLength: 32, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_idempotency_records", x => x.id);
            });

        migrationBuilder.CreateIndex(name: "IX_idempotency_records_reseller_id_scope_key", table: "idempotency_records", columns: new[] { "reseller_id", "scope", "key" }, unique: true);

        // Ledger entries are immutable: the database itself refuses to change or delete them.
        if (ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL")
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION ledger_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'ledger entries are immutable';
                END;
                $$;
                CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
                    FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable();
                """);
        }
        else
        {
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
                BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
                BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
                """);
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "idempotency_records");
        migrationBuilder.DropTable(name: "bill_orders");
        migrationBuilder.DropTable(name: "bill_services");
        migrationBuilder.DropTable(name: "providers");
        migrationBuilder.DropTable(name: "audit_log");
        migrationBuilder.DropTable(name: "admin_keys");
        migrationBuilder.DropTable(name: "app_settings");
        migrationBuilder.DropTable(name: "api_credentials");
        migrationBuilder.DropTable(name: "resellers");
        migrationBuilder.DropTable(name: "ledger_entries");
        migrationBuilder.DropTable(name: "ledger_journals");
        migrationBuilder.DropTable(name: "ledger_accounts");
        if (ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL")
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS ledger_entries_immutable();");
        }
    }
}
