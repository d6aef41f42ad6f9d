using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PrivateNexus.Server.Data.Migrations.Postgres
{
    /// <summary>
    /// TRUNCATE fires no row or statement triggers of INSERT, UPDATE or DELETE, so an operator's
    /// <c>TRUNCATE "Services"</c> (or <c>TRUNCATE "Clients" CASCADE</c>) left the services stamp where
    /// it was and cached lists served the removed services until they aged out. (SQLite has no
    /// TRUNCATE: its DELETE without WHERE runs the row triggers when there are any.)
    /// </summary>
    public partial class ServiceStampOnTruncate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TRIGGER services_truncate_stamp AFTER TRUNCATE ON "Services"
                    FOR EACH STATEMENT EXECUTE FUNCTION pnx_bump_services_stamp();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS services_truncate_stamp ON "Services";""");
        }
    }
}
