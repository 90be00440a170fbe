using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PaymentHub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WalletStatementIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ledger_entries_account_id",
                table: "ledger_entries");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_account_id_created_at_id",
                table: "ledger_entries",
                columns: new[] { "account_id", "created_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ledger_entries_account_id_created_at_id",
                table: "ledger_entries");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_entries_account_id",
                table: "ledger_entries",
                column: "account_id");
        }
    }
}
