using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrivateNexus.Server.Data.Migrations.Postgres
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
                    Name = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    Value = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChangeStamps", x => x.Name);
                });

            migrationBuilder.InsertData(
                table: "ChangeStamps",
                columns: new[] { "Name", "Value" },
                values: new object[] { "services", 0L });

            // The database bumps the stamp itself, in the writing transaction, whoever writes — also a
            // session with another search_path (the function keeps the schema it was created in).
            migrationBuilder.Sql("""
                CREATE FUNCTION pnx_bump_services_stamp() RETURNS trigger LANGUAGE plpgsql
                    SET search_path FROM CURRENT AS $$
                BEGIN
                    UPDATE "ChangeStamps" SET "Value" = "Value" + 1 WHERE "Name" = 'services';
                    RETURN NULL;
                END $$;
                CREATE TRIGGER services_stamp AFTER INSERT OR UPDATE OR DELETE ON "Services"
                    FOR EACH STATEMENT EXECUTE FUNCTION pnx_bump_services_stamp();
                CREATE TRIGGER clients_status_stamp AFTER UPDATE OF "Status" ON "Clients"
                    FOR EACH STATEMENT EXECUTE FUNCTION pnx_bump_services_stamp();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS clients_status_stamp ON "Clients";
                DROP TRIGGER IF EXISTS services_stamp ON "Services";
                DROP FUNCTION IF EXISTS pnx_bump_services_stamp();
                """);

            migrationBuilder.DropTable(
                name: "ChangeStamps");
        }
    }
}
