using System.Data.Common;
using System.Diagnostics;
using GraphQL;
using GraphQL.DI;
using Microsoft.EntityFrameworkCore.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// OpenTelemetry traces, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or
/// <c>…_TRACES_ENDPOINT</c>) is set, with the standard <c>OTEL_*</c> variables for the rest:
/// incoming HTTP requests, outgoing HTTP calls, and our own spans for GraphQL operations, database
/// commands (both providers, through an EF interceptor) and Docker engine calls. Without an endpoint
/// nothing is registered and our sources have no listener, so spans cost nothing.
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "privatenexus";

    public static readonly ActivitySource GraphQL = new("PrivateNexus.GraphQL");
    public static readonly ActivitySource Data = new("PrivateNexus.Data");
    public static readonly ActivitySource Engine = new("PrivateNexus.Engine");

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    public static WebApplicationBuilder AddPnxTelemetry(this WebApplicationBuilder builder)
    {
        if (!IsConfigured(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddSingleton<IInterceptor, DatabaseTracing>();
        builder.Services.AddSingleton<IConfigureExecution, GraphQLTracing>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(
                builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : ServiceName,
                serviceVersion: BuildInfo.Assembly().Version))
            .WithTracing(tracing => tracing
                .AddSource(GraphQL.Name, Data.Name, Engine.Name)

                // Probes every few seconds would drown the traces that matter.
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/healthz") && !context.Request.Path.StartsWithSegments("/metrics"))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        return builder;
    }
}

/// <summary>
/// One span per database command, made after the fact from EF's own start time and duration, so
/// nothing has to be carried between the before and after callbacks. The SQL is parameterised:
/// values never reach the span.
/// </summary>
internal sealed class DatabaseTracing : DbCommandInterceptor
{
    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Record(command, eventData, null);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData, null);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Record(command, eventData, null);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData, null);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Record(command, eventData, null);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData, null);
        return ValueTask.FromResult(result);
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) =>
        Record(command, eventData, eventData.Exception);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Record(command, eventData, eventData.Exception);
        return Task.CompletedTask;
    }

    private static void Record(DbCommand command, CommandEndEventData eventData, Exception? error)
    {
        if (!Telemetry.Data.HasListeners())
        {
            return;
        }

        var text = command.CommandText;
        var verb = text.AsSpan().TrimStart();
        var space = verb.IndexOfAny(' ', '\n', '\r');
        var operation = (space > 0 ? verb[..space] : verb).ToString().ToUpperInvariant();
        var system = command.GetType().Namespace?.StartsWith("Npgsql", StringComparison.Ordinal) == true ? "postgresql" : "sqlite";
        using var activity = Telemetry.Data.StartActivity(
            $"{operation} {system}", ActivityKind.Client, Activity.Current?.Context ?? default, startTime: eventData.StartTime);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("db.system.name", system);
        activity.SetTag("db.operation.name", operation);
        activity.SetTag("db.query.text", text);
        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        activity.SetEndTime((eventData.StartTime + eventData.Duration).UtcDateTime);
    }
}

/// <summary>One span per GraphQL operation, around parsing, validation and execution (every transport).</summary>
internal sealed class GraphQLTracing : IConfigureExecution
{
    /// <summary>Before the document cache (200), so a cached document's operation is traced too.</summary>
    public float SortOrder => 0;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        using var activity = Telemetry.GraphQL.StartActivity("graphql", ActivityKind.Internal);
        var result = await next(options);
        if (activity is not null)
        {
            var type = result.Operation?.Operation.ToString().ToLowerInvariant() ?? "operation";
            var name = result.Operation?.Name?.StringValue ?? options.OperationName;
            activity.DisplayName = name is null ? $"graphql {type}" : $"graphql {type} {name}";
            activity.SetTag("graphql.operation.type", type);
            activity.SetTag("graphql.operation.name", name);
            if (result.Errors is { Count: > 0 } errors)
            {
                activity.SetTag("graphql.errors", errors.Count);
                activity.SetStatus(ActivityStatusCode.Error, errors[0].Message);
            }
        }

        return result;
    }
}
