using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// Validates an options class bound from <paramref name="section"/> the way an operator needs it:
/// every failure names the environment variable and the configuration key, says what is allowed,
/// and nested settings (<c>Pnx:GraphQL:*</c>) are checked too, which
/// <c>ValidateDataAnnotations</c> does not do. Rules that span settings come from
/// <see cref="IValidatableObject"/> on the options class.
/// </summary>
public sealed class SettingsValidator<T>(string section) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var failures = new List<string>();
        Check(options, section, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(object options, string prefix, List<string> failures)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var value = property.GetValue(options);
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!attribute.IsValid(value))
                {
                    failures.Add(SettingsValidation.Describe(key, Requirement(attribute, property.Name), Shown(property, value)));
                }
            }

            if (value is not null && IsSettingsGroup(property.PropertyType))
            {
                Check(value, key, failures);
            }
        }

        if (options is IValidatableObject rules)
        {
            foreach (var result in rules.Validate(new ValidationContext(options)))
            {
                var member = result.MemberNames.FirstOrDefault() ?? "";
                failures.Add(SettingsValidation.Describe($"{prefix}:{member}", result.ErrorMessage ?? "is not valid", null));
            }
        }
    }

    private static string Requirement(ValidationAttribute attribute, string name) => attribute switch
    {
        RangeAttribute range => string.Create(CultureInfo.InvariantCulture, $"must be between {range.Minimum} and {range.Maximum}"),
        RequiredAttribute => "must be set",
        _ => attribute.FormatErrorMessage(name),
    };

    /// <summary>Values are shown only for kinds that are never secret (numbers, times, switches).</summary>
    private static string? Shown(PropertyInfo property, object? value)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return value is not null && (type.IsPrimitive || type == typeof(TimeSpan) || type.IsEnum)
            ? Convert.ToString(value, CultureInfo.InvariantCulture)
            : null;
    }

    private static bool IsSettingsGroup(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("PrivateNexus", StringComparison.Ordinal) == true;
}

public static class SettingsValidation
{
    /// <summary>One line: <c>PNX_X (Pnx:X) = value: what is allowed</c>.</summary>
    public static string Describe(string key, string requirement, string? shown) =>
        $"{PnxEnvironmentVariables.ToVariable(key)} ({key}){(shown is null ? "" : $" = {shown}")}: {requirement}";

    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and validates it at start with <see cref="SettingsValidator{T}"/>.</summary>
    public static OptionsBuilder<T> AddValidatedSettings<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }
}
