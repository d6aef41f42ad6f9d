using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrivateNexus.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RestartGeneration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RestartGeneration",
                table: "Services",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RestartGeneration",
                table: "Services");
        }
    }
}
