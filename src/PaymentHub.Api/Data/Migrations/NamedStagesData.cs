using Microsoft.EntityFrameworkCore.Migrations;

namespace PaymentHub.Data.Migrations;

/// <summary>
/// The data step of the NamedStages migration (the same SQL on both providers): bill and recharge stages were free
/// strings ('sandbox_wait') and become the names of their enums ('SandboxWait'), checked by a CHECK constraint. Runs
/// before the constraints are added; a value that is none of the old strings is left as it is, so the constraint
/// guard stops the upgrade naming that row. A NULL stage (never written by the code) becomes what the code read it as:
/// New for a bill still Processing, Done for a final order, Manual or Unknown for a recharge still Processing.
/// </summary>
public static class NamedStagesData
{
    private static readonly (string Old, string New)[] BillStages =
    [
        ("new", "New"), ("sandbox_wait", "SandboxWait"), ("paying", "Paying"), ("checking", "Checking"),
        ("submitting", "Submitting"), ("submitted", "Submitted"), ("settling", "Settling"), ("done", "Done"),
    ];

    private static readonly (string Old, string New)[] RechargeStages =
        [("manual", "Manual"), ("sending", "Sending"), ("unknown", "Unknown"), ("done", "Done")];

    public static void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql(Rename("bill_orders", BillStages, toEnumNames: true));
        migrationBuilder.Sql("UPDATE bill_orders SET stage = CASE WHEN status = 'Processing' THEN 'New' ELSE 'Done' END WHERE stage IS NULL;");
        migrationBuilder.Sql(Rename("recharge_orders", RechargeStages, toEnumNames: true));
        migrationBuilder.Sql("""
            UPDATE recharge_orders SET stage = CASE
                WHEN status <> 'Processing' THEN 'Done' WHEN connector = 'manual' THEN 'Manual' ELSE 'Unknown' END
            WHERE stage IS NULL;
            """);
    }

    public static void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(RenameBack());

    /// <summary>
    /// <see cref="Down"/> for SQLite. There, dropping the stage constraints is a table rebuild, which EF runs after every
    /// other operation of the migration, so the rename back would meet CK_bill_orders_stage and fail on the first order.
    /// It runs with SQLite's CHECK enforcement off, switched on again in the same command; the rebuild then copies the
    /// rows into tables without the stage constraints.
    /// </summary>
    public static void DownOnSqlite(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql($"PRAGMA ignore_check_constraints = 1;\n{RenameBack()}\nPRAGMA ignore_check_constraints = 0;");

    private static string RenameBack() =>
        Rename("bill_orders", BillStages, toEnumNames: false) + "\n" + Rename("recharge_orders", RechargeStages, toEnumNames: false);

    private static string Rename(string table, (string Old, string New)[] names, bool toEnumNames)
    {
        var pairs = names.Select(n => toEnumNames ? (From: n.Old, To: n.New) : (From: n.New, To: n.Old)).ToList();
        var cases = string.Join(" ", pairs.Select(p => $"WHEN '{p.From}' THEN '{p.To}'"));
        var from = string.Join(", ", pairs.Select(p => $"'{p.From}'"));
        return $"UPDATE {table} SET stage = CASE stage {cases} END WHERE stage IN ({from});";
    }
}
