using System.Text.Json;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using PrivateNexus.Server.Features.Alerts;
using PrivateNexus.Server.Features.ApiTokens;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Automation;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Deployments;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Data;

/// <summary>
/// The one database of the control plane. Provider-specific subclasses
/// (<see cref="SqlitePnxDbContext"/>, <see cref="PostgresPnxDbContext"/>) exist only so each provider
/// has its own migrations; all code uses this type.
/// </summary>
public abstract class PnxDbContext(DbContextOptions options)
    : IdentityUserContext<User, Guid>(options), IDataProtectionKeyContext
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public DbSet<Client> Clients => Set<Client>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<Node> Nodes => Set<Node>();

    public DbSet<Service> Services => Set<Service>();

    public DbSet<ServiceRevision> ServiceRevisions => Set<ServiceRevision>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<Deployment> Deployments => Set<Deployment>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<AutomationClient> AutomationClients => Set<AutomationClient>();

    public DbSet<Setting> Settings => Set<Setting>();

    public DbSet<ChangeStamp> ChangeStamps => Set<ChangeStamp>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<AlertRule> AlertRules => Set<AlertRule>();

    public DbSet<NotificationChannel> NotificationChannels => Set<NotificationChannel>();

    public DbSet<Alert> Alerts => Set<Alert>();

    public DbSet<AlertTransition> AlertTransitions => Set<AlertTransition>();

    public DbSet<NotificationDelivery> NotificationDeliveries => Set<NotificationDelivery>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<User>(b =>
        {
            b.Property(u => u.DisplayName).HasMaxLength(200);
            b.Property(u => u.Status).HasConversion<string>().HasMaxLength(16);
            b.Property(u => u.PlatformRole).HasConversion<string>().HasMaxLength(16);
        });

        builder.Entity<Client>(b =>
        {
            b.Property(c => c.Name).HasMaxLength(200);
            b.Property(c => c.Slug).HasMaxLength(63);
            b.HasIndex(c => c.Slug).IsUnique();
            b.HasIndex(c => c.Name);
            b.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
            b.ComplexProperty(c => c.Quota);
            b.Property(c => c.Version).IsConcurrencyToken();
        });

        builder.Entity<Membership>(b =>
        {
            b.HasKey(m => new { m.ClientId, m.UserId });
            b.HasIndex(m => m.UserId);
            b.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
            b.HasOne(m => m.Client).WithMany().HasForeignKey(m => m.ClientId).OnDelete(DeleteBehavior.Cascade);
            b.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Node>(b =>
        {
            b.Property(n => n.Name).HasMaxLength(63);
            b.HasIndex(n => n.Name).IsUnique();
            b.Property(n => n.Endpoint).HasMaxLength(500);
            b.Property(n => n.Labels).HasConversion(
                v => JsonSerializer.Serialize(v, JsonOptions),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, JsonOptions) ?? new(),
                new ValueComparer<Dictionary<string, string>>(
                    (a, b) => JsonSerializer.Serialize(a, JsonOptions) == JsonSerializer.Serialize(b, JsonOptions),
                    v => JsonSerializer.Serialize(v, JsonOptions).GetHashCode(StringComparison.Ordinal),
                    v => new Dictionary<string, string>(v)));
            b.Property(n => n.Version).IsConcurrencyToken();
        });

        builder.Entity<Service>(b =>
        {
            b.Ignore(s => s.ClientSuspended);
            b.Property(s => s.Name).HasMaxLength(63);
            b.HasIndex(s => new { s.ClientId, s.Name }).IsUnique();
            b.HasIndex(s => s.NodeId);

            // Lists page in these orders (name by default): with an index the database reads just the
            // page's rows instead of sorting every service on every request.
            b.HasIndex(s => new { s.Name, s.Id });
            b.HasIndex(s => new { s.CreatedAt, s.Id });
            b.HasIndex(s => new { s.UpdatedAt, s.Id });
            b.Property(s => s.Image).HasMaxLength(500);
            b.Property(s => s.DesiredState).HasConversion<string>().HasMaxLength(16);
            b.Ignore(s => s.Spec);
            b.Property(s => s.SpecJson).HasColumnName("Spec");
            b.Property(s => s.Version).IsConcurrencyToken();
            b.HasOne(s => s.Client).WithMany().HasForeignKey(s => s.ClientId).OnDelete(DeleteBehavior.Restrict);
            b.HasOne<Node>().WithMany().HasForeignKey(s => s.NodeId).OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<ServiceRevision>(b =>
        {
            b.HasIndex(r => new { r.ServiceId, r.Revision }).IsUnique();
            b.Property(r => r.Spec).HasConversion(SpecConverter, SpecComparer);
            b.Property(r => r.Reason).HasMaxLength(32);
            b.Property(r => r.CreatedBy).HasMaxLength(300);
            b.HasOne<Service>().WithMany().HasForeignKey(r => r.ServiceId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Deployment>(b =>
        {
            b.HasIndex(d => new { d.ServiceId, d.CreatedAt });
            b.HasIndex(d => d.Status);
            b.Property(d => d.Kind).HasConversion<string>().HasMaxLength(16);
            b.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            b.Property(d => d.Progress).HasMaxLength(500);
            b.Property(d => d.Error).HasMaxLength(2000);
            b.Property(d => d.CreatedBy).HasMaxLength(300);
            b.Property(d => d.Steps).HasConversion(
                v => JsonSerializer.Serialize(v, JsonOptions),
                v => JsonSerializer.Deserialize<List<DeploymentStep>>(v, JsonOptions) ?? new(),
                new ValueComparer<List<DeploymentStep>>(
                    (a, b) => JsonSerializer.Serialize(a, JsonOptions) == JsonSerializer.Serialize(b, JsonOptions),
                    v => JsonSerializer.Serialize(v, JsonOptions).GetHashCode(StringComparison.Ordinal),
                    v => v.ToList()));
            b.Ignore(d => d.IsOpen);
            b.HasOne<Service>().WithMany().HasForeignKey(d => d.ServiceId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AuditEvent>(b =>
        {
            b.HasIndex(a => a.Time);
            b.HasIndex(a => new { a.ClientId, a.Time });
            b.Property(a => a.Action).HasMaxLength(64);
            b.Property(a => a.ActorType).HasConversion<string>().HasMaxLength(16);
            b.Property(a => a.Outcome).HasConversion<string>().HasMaxLength(16);
            b.Property(a => a.ActorId).HasMaxLength(200);
            b.Property(a => a.ActorName).HasMaxLength(300);
            b.Property(a => a.TargetType).HasMaxLength(64);
            b.Property(a => a.TargetId).HasMaxLength(200);
            b.Property(a => a.SourceIp).HasMaxLength(64);
            b.Property(a => a.CorrelationId).HasMaxLength(64);
        });

        builder.Entity<ApiToken>(b =>
        {
            b.HasIndex(t => t.TokenHash).IsUnique();
            b.HasIndex(t => t.UserId);
            b.Property(t => t.Name).HasMaxLength(100);
            b.Property(t => t.Prefix).HasMaxLength(16);
            b.Property(t => t.TokenHash).HasMaxLength(64);
            b.HasOne<User>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AutomationClient>(b =>
        {
            b.HasIndex(a => a.ClientIdentifier).IsUnique();
            b.Property(a => a.ClientIdentifier).HasMaxLength(100);
            b.Property(a => a.DisplayName).HasMaxLength(200);
            b.Property(a => a.Role).HasMaxLength(16);
            b.HasOne<Client>().WithMany().HasForeignKey(a => a.OrganisationId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Setting>(b =>
        {
            b.HasKey(s => s.Key);
            b.Property(s => s.Key).HasMaxLength(100);
        });

        builder.Entity<ChangeStamp>(b =>
        {
            b.HasKey(s => s.Name);
            b.Property(s => s.Name).HasMaxLength(50);
            b.HasData(new ChangeStamp { Name = Data.ChangeStamps.Services, Value = 0 });
        });

        AlertsModel.Configure(builder);
    }

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<ServiceSpec, string> SpecConverter = new(
        v => ServiceSpecJson.Write(v),
        v => ServiceSpecJson.Read(v));

    // Specs are replaced wholesale, never mutated; comparing their JSON is exact and cheap enough.
    private static readonly ValueComparer<ServiceSpec> SpecComparer = new(
        (a, b) => ServiceSpecJson.Write(a!) == ServiceSpecJson.Write(b!),
        v => ServiceSpecJson.Write(v).GetHashCode(StringComparison.Ordinal),
        v => v);
}
