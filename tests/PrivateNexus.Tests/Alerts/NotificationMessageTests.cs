using System.Net;
using System.Text;
using PrivateNexus.Server.Features.Alerts;

namespace PrivateNexus.Tests.Alerts;

/// <summary>What a channel receives, built without sending: the signature, the e-mail, the address guard, settings.</summary>
public sealed class NotificationMessageTests
{
    private static AlertPayload Firing(string @event = "alert.firing") => new(
        1, Guid.Parse("0192a000-0000-7000-8000-000000000001"), @event, new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero),
        new AlertPayload.AlertPart(
            Guid.NewGuid(), "fp", Guid.NewGuid(), "web down", AlertKind.ServiceDown, AlertSeverity.Critical, AlertState.Firing, AlertTargetType.Service,
            Guid.NewGuid(), "acme/web", Guid.NewGuid(), new DateTimeOffset(2026, 11, 29, 7, 59, 0, TimeSpan.Zero), null, 0, "Service acme/web has no running container."));

    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_the_body()
    {
        // RFC-style known answer: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        var body = Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog");
        Assert.Equal("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", WebhookSender.Sign(body, "key"));
    }

    [Fact]
    public void The_payload_names_event_state_and_enums_as_the_schema_spells_them()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(Firing().ToUtf8Json())!;
        Assert.Equal("alert.firing", json["event"]!.GetValue<string>());
        Assert.Equal("FIRING", json["alert"]!["state"]!.GetValue<string>());
        Assert.Equal("SERVICE_DOWN", json["alert"]!["kind"]!.GetValue<string>());
        Assert.Equal("0192a000-0000-7000-8000-000000000001", json["deliveryId"]!.GetValue<string>());
    }

    [Fact]
    public void The_email_says_state_rule_and_target_and_carries_the_delivery_id()
    {
        var message = EmailSender.Build(Firing(), "PrivateNexus <alerts@example.test>", ["ops@example.test", "oncall@example.test"]);
        Assert.Equal("[FIRING] web down: acme/web", message.Subject);
        Assert.Equal(["ops@example.test", "oncall@example.test"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("0192a000-0000-7000-8000-000000000001", message.Headers["X-PrivateNexus-Delivery"]);
        Assert.Contains("has no running container", message.TextBody, StringComparison.Ordinal);

        var resolved = EmailSender.Build(Firing("alert.resolved"), "alerts@example.test", ["ops@example.test"]);
        Assert.StartsWith("[RESOLVED]", resolved.Subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("192.168.1.10", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]
    [InlineData("64:ff9b::5db8:d822", true)]
    [InlineData("2002:a9fe:a9fe::1", false)]
    [InlineData("2002:5db8:d822::1", true)]
    [InlineData("::10.0.0.1", false)]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", false)]
    [InlineData("198.18.0.1", false)]
    [InlineData("192.0.0.8", false)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:4700::1111", true)]
    public void Client_webhooks_reach_only_public_addresses(string address, bool isPublic) =>
        Assert.Equal(isPublic, WebhookTargetGuard.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void Smtp_settings_name_what_is_missing()
    {
        static string[] Problems(SmtpOptions o) =>
            [.. o.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(o)).SelectMany(r => r.MemberNames)];

        Assert.Empty(Problems(new SmtpOptions()));
        Assert.Empty(Problems(new SmtpOptions { Host = "smtp.example.test", From = "alerts@example.test" }));
        Assert.Equal(["From"], Problems(new SmtpOptions { Host = "smtp.example.test" }));
        Assert.Equal(["Password"], Problems(new SmtpOptions { Host = "smtp.example.test", From = "a@example.test", Username = "u" }));
        Assert.Equal(["Host"], Problems(new SmtpOptions { From = "a@example.test" }));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(90, "90s")]
    [InlineData(300, "5m")]
    [InlineData(14_400, "4h")]
    [InlineData(172_800, "2d")]
    public void Durations_are_written_in_their_largest_whole_unit(int seconds, string text) =>
        Assert.Equal(text, AlertDurations.Format(TimeSpan.FromSeconds(seconds)));
}
