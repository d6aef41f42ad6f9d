using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrivateNexus.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ServiceChangeStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ChangeStamps",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Value = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChangeStamps", x => x.Name);
                });

            migrationBuilder.InsertData(
                table: "ChangeStamps",
                columns: new[] { "Name", "Value" },
                values: new object[] { "services", 0L });

            // The database bumps the stamp itself, in the writing transaction, whoever writes.
            foreach (var (name, when) in new[]
            {
                ("services_stamp_insert", "AFTER INSERT ON \"Services\""),
                ("services_stamp_update", "AFTER UPDATE ON \"Services\""),
                ("services_stamp_delete", "AFTER DELETE ON \"Services\""),
                ("clients_status_stamp", "AFTER UPDATE OF \"Status\" ON \"Clients\""),
            })
            {
                migrationBuilder.Sql($"CREATE TRIGGER \"{name}\" {when} BEGIN UPDATE \"ChangeStamps\" SET \"Value\" = \"Value\" + 1 WHERE \"Name\" = 'services'; END;");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var name in new[] { "services_stamp_insert", "services_stamp_update", "services_stamp_delete", "clients_status_stamp" })
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS \"{name}\";");
            }

            migrationBuilder.DropTable(
                name: "ChangeStamps");
        }
    }
}
