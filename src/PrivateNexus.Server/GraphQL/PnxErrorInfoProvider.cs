using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQLParser.Exceptions;
using PrivateNexus.Server.Common;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// Shapes every error the client sees: a message and <c>extensions.code</c> (plus <c>field</c> for
/// bad input). Only domain and GraphQL validation errors keep their messages; anything else is
/// INTERNAL with no details (outside Development), and is logged where it is caught.
/// </summary>
public sealed class PnxErrorInfoProvider(IHostEnvironment environment) : IErrorInfoProvider
{
    private const string ValidationFailed = "GRAPHQL_VALIDATION_FAILED";

    public ErrorInfo GetInfo(ExecutionError executionError)
    {
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        var message = executionError.Message;
        switch (executionError)
        {
            case DomainExecutionError domain:
                extensions["code"] = domain.Code;
                if (domain.Field is not null)
                {
                    extensions["field"] = domain.Field;
                }

                break;
            case InvalidVariableError variable:
                extensions["code"] = ErrorCode.BadUserInput;
                extensions["field"] = variable.Message.Split('\'', 3) is [_, var name, _] ? name : null;
                break;
            case ValidationError validation:
                extensions["code"] = validation switch
                {
                    _ when validation.Code == IntrospectionRule.Code => ErrorCode.Unauthenticated,
                    global::GraphQL.Validation.Errors.Custom.ComplexityError => QueryLimitRules.Code,
                    _ when validation.Code == QueryLimitRules.Code => QueryLimitRules.Code,
                    _ when validation.Code == SubscriptionTransportRule.Code => SubscriptionTransportRule.Code,
                    _ => ValidationFailed,
                };
                if (validation.Number is not null)
                {
                    extensions["rule"] = validation.Number;
                }

                break;
            case SyntaxError:
                extensions["code"] = "GRAPHQL_PARSE_FAILED";
                break;
            case InvalidOperationNameError or NoOperationNameError:
                // The document is fine; the operationName the request gave (or left out) picks no operation.
                extensions["code"] = ErrorCode.BadUserInput;
                extensions["field"] = "operationName";
                break;
            case DocumentError:
                // The rest of GraphQL.NET's request errors (no operation, an operation type the schema lacks):
                // messages about the client's own document, safe to show.
                extensions["code"] = ValidationFailed;
                break;
            case TransportError:
                extensions["code"] = executionError.Code;
                break;
            case { Code: not null } when executionError.Code is ErrorCode.Internal or ErrorCode.BadUserInput:
                extensions["code"] = executionError.Code;
                break;
            default:
                extensions["code"] = ErrorCode.Internal;
                if (!environment.IsDevelopment())
                {
                    message = "An internal error occurred.";
                }
                else if (executionError.InnerException is { } inner)
                {
                    extensions["details"] = inner.ToString();
                }

                break;
        }

        return new ErrorInfo { Message = message, Extensions = extensions };
    }
}

/// <summary>What a <see cref="DomainException"/> becomes inside the GraphQL result.</summary>
public sealed class DomainExecutionError : ExecutionError
{
    public DomainExecutionError(DomainException exception)
        : base(exception.Message, exception)
    {
        Code = exception.Code;
        Field = exception.Field;
    }

    public string? Field { get; }
}
