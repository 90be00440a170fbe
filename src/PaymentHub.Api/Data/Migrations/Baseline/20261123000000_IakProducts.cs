using Microsoft.EntityFrameworkCore.Migrations;

namespace PaymentHub.Data.Migrations.Baseline;

/// <summary>IAK's postpaid price list as last synced, for creating bill services from its products. Written by hand.</summary>
public abstract class IakProducts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "iak_products",
            columns: table => new
            {
                code = table.Column<string>(maxLength: 64, nullable: false),
                admin_fee = table.Column<decimal?>(precision: 18, scale: 2, nullable: true),
                category = table.Column<string>(maxLength: 64, nullable: true),
                delisted_at = table.Column<DateTime?>(nullable: true),
                first_synced_at = table.Column<DateTime>(nullable: false),
                iak_commission = table.Column<decimal?>(precision: 18, scale: 2, nullable: true),
                name = table.Column<string>(maxLength: 200, nullable: false),
                status = table.Column<string>(maxLength: 16, nullable: false),
                synced_at = table.Column<DateTime>(nullable: false),
                type = table.Column<string>(maxLength: 64, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_iak_products", x => x.code);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "iak_products");
    }
}
