using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrivateNexus.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ServiceListColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Replicas",
                table: "Services",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            // Services created before the column: their replica count is in the stored spec.
            migrationBuilder.Sql("UPDATE \"Services\" SET \"Replicas\" = COALESCE(json_extract(\"Spec\", '$.replicas'), 1);");

            migrationBuilder.CreateIndex(
                name: "IX_Services_CreatedAt_Id",
                table: "Services",
                columns: new[] { "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Services_Name_Id",
                table: "Services",
                columns: new[] { "Name", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Services_UpdatedAt_Id",
                table: "Services",
                columns: new[] { "UpdatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Services_CreatedAt_Id",
                table: "Services");

            migrationBuilder.DropIndex(
                name: "IX_Services_Name_Id",
                table: "Services");

            migrationBuilder.DropIndex(
                name: "IX_Services_UpdatedAt_Id",
                table: "Services");

            migrationBuilder.DropColumn(
                name: "Replicas",
                table: "Services");
        }
    }
}
