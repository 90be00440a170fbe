using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PaymentHub.Data.Migrations.Sqlite
{
    /// <summary>
    /// Bill and recharge stages become enums (BillStage, RechargeStage): NOT NULL, stored as the enum's names and checked
    /// by CK_bill_orders_stage / CK_recharge_orders_stage. Existing rows are rewritten from the old strings first
    /// (<see cref="NamedStagesData"/>); a row holding anything else stops the upgrade by name, changing nothing.
    /// </summary>
    public partial class NamedStages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Old stage strings ('sandbox_wait') become the enums' names ('SandboxWait') before anything checks them.
            NamedStagesData.Up(migrationBuilder);

            migrationBuilder.AddCheckConstraint(
                name: "CK_recharge_orders_stage",
                table: "recharge_orders",
                sql: "\"stage\" IN ('Manual', 'Sending', 'Unknown', 'Done')");

            migrationBuilder.AddCheckConstraint(
                name: "CK_bill_orders_stage",
                table: "bill_orders",
                sql: "\"stage\" IN ('New', 'SandboxWait', 'Paying', 'Checking', 'Submitting', 'Submitted', 'Settling', 'Done')");

            migrationBuilder.AlterColumn<string>(
                name: "stage",
                table: "recharge_orders",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 32,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "stage",
                table: "bill_orders",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 32,
                oldNullable: true);

            // Runs ahead of the constraints above: stops, naming the rows, if any row would violate them.
            CheckConstraintGuard.StopOnViolatingRows(migrationBuilder, TargetModel);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "CK_recharge_orders_stage",
                table: "recharge_orders");

            migrationBuilder.DropCheckConstraint(
                name: "CK_bill_orders_stage",
                table: "bill_orders");

            migrationBuilder.AlterColumn<string>(
                name: "stage",
                table: "recharge_orders",
                type: "TEXT",
                maxLength: 32,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 32);

            migrationBuilder.AlterColumn<string>(
                name: "stage",
                table: "bill_orders",
                type: "TEXT",
                maxLength: 32,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 32);

            NamedStagesData.DownOnSqlite(migrationBuilder);
        }
    }
}
