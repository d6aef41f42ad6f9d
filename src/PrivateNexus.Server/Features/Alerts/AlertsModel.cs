using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PrivateNexus.Server.Features.Clients;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>The alerting tables, kept beside the feature; <c>PnxDbContext</c> calls <see cref="Configure"/>.</summary>
internal static class AlertsModel
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<AlertRule>(b =>
        {
            b.Property(r => r.Name).HasMaxLength(100);
            b.HasIndex(r => new { r.ClientId, r.Name }).IsUnique();
            b.Property(r => r.Kind).HasConversion<string>().HasMaxLength(32);
            b.Property(r => r.Severity).HasConversion<string>().HasMaxLength(16);
            JsonList(b.Property(r => r.ChannelIds));
            b.Property(r => r.Version).IsConcurrencyToken();
            b.HasOne<Client>().WithMany().HasForeignKey(r => r.ClientId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<NotificationChannel>(b =>
        {
            b.Property(c => c.Name).HasMaxLength(100);
            b.HasIndex(c => new { c.ClientId, c.Name }).IsUnique();
            b.Property(c => c.Type).HasConversion<string>().HasMaxLength(16);
            b.Property(c => c.Url).HasMaxLength(2000);
            JsonList(b.Property(c => c.Recipients));
            b.Property(c => c.Version).IsConcurrencyToken();
            b.HasOne<Client>().WithMany().HasForeignKey(c => c.ClientId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Alert>(b =>
        {
            b.Property(a => a.Fingerprint).HasMaxLength(100);
            b.HasIndex(a => a.Fingerprint).IsUnique();
            b.HasIndex(a => new { a.ClientId, a.State });
            b.HasIndex(a => a.RuleId);
            b.Property(a => a.TargetType).HasConversion<string>().HasMaxLength(16);
            b.Property(a => a.TargetName).HasMaxLength(200);
            b.Property(a => a.Kind).HasConversion<string>().HasMaxLength(32);
            b.Property(a => a.Severity).HasConversion<string>().HasMaxLength(16);
            b.Property(a => a.State).HasConversion<string>().HasMaxLength(16);
            b.Property(a => a.Summary).HasMaxLength(500);
            b.Property(a => a.Version).IsConcurrencyToken();
            b.HasOne<AlertRule>().WithMany().HasForeignKey(a => a.RuleId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AlertTransition>(b =>
        {
            b.HasIndex(t => new { t.AlertId, t.At });
            b.Property(t => t.State).HasConversion<string>().HasMaxLength(16);
            b.Property(t => t.Summary).HasMaxLength(500);
            b.HasOne<Alert>().WithMany().HasForeignKey(t => t.AlertId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<NotificationDelivery>(b =>
        {
            b.HasIndex(d => new { d.TransitionId, d.ChannelId, d.Repeat }).IsUnique();
            b.HasIndex(d => new { d.Status, d.NextAttemptAt });
            b.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            b.Property(d => d.LastError).HasMaxLength(1000);
            b.Property(d => d.Version).IsConcurrencyToken();
            b.HasOne<AlertTransition>().WithMany().HasForeignKey(d => d.TransitionId).OnDelete(DeleteBehavior.Cascade);
            b.HasOne<NotificationChannel>().WithMany().HasForeignKey(d => d.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void JsonList<T>(PropertyBuilder<List<T>> property) => property.HasConversion(
        v => JsonSerializer.Serialize(v, JsonOptions),
        v => JsonSerializer.Deserialize<List<T>>(v, JsonOptions) ?? new(),
        new ValueComparer<List<T>>(
            (a, b) => JsonSerializer.Serialize(a, JsonOptions) == JsonSerializer.Serialize(b, JsonOptions),
            v => JsonSerializer.Serialize(v, JsonOptions).GetHashCode(StringComparison.Ordinal),
            v => v.ToList()));
}
