using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PaymentHub.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ApiKeyPolicy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "allowed_ips",
                table: "api_credentials",
                type: "character varying(3250)",
                maxLength: 3250,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "burst",
                table: "api_credentials",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "expires_at",
                table: "api_credentials",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "requests_per_minute",
                table: "api_credentials",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "requests_per_second",
                table: "api_credentials",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "allowed_ips",
                table: "api_credentials");

            migrationBuilder.DropColumn(
                name: "burst",
                table: "api_credentials");

            migrationBuilder.DropColumn(
                name: "expires_at",
                table: "api_credentials");

            migrationBuilder.DropColumn(
                name: "requests_per_minute",
                table: "api_credentials");

            migrationBuilder.DropColumn(
                name: "requests_per_second",
                table: "api_credentials");
        }
    }
}
