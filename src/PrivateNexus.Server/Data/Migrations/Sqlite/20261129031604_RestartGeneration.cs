using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrivateNexus.Server.Data.Migrations.Sqlite
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
                type: "INTEGER",
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
