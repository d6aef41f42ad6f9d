using System.Globalization;
using System.Text;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Dashboard;

/// <summary>Audit events as CSV (RFC 4180: quoted where needed, CRLF line ends), for the audit page's export.</summary>
public static class AuditCsv
{
    public static string Write(IEnumerable<AuditEvent> events)
    {
        var csv = new StringBuilder("time,actorType,actorId,actorName,action,targetType,targetId,clientId,outcome,sourceIp,correlationId,details\r\n");
        foreach (var e in events)
        {
            string?[] fields =
            [
                e.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), e.ActorType.ToString(), e.ActorId, e.ActorName, e.Action,
                e.TargetType, e.TargetId, e.ClientId?.ToString(), e.Outcome.ToString(), e.SourceIp, e.CorrelationId, e.Details,
            ];
            csv.AppendJoin(',', fields.Select(Quote)).Append("\r\n");
        }

        return csv.ToString();
    }

    private static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        // A leading =, +, - or @ would be a formula to a spreadsheet: prefixed so it stays text.
        var text = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 || text != value ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
