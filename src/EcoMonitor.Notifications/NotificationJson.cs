using System.Text.Json;
using System.Text.Json.Serialization;

namespace EcoMonitor.Notifications;

/// <summary>The JSON form of notifications and alert state on disk and on the HTTP API: camelCase, enums as lower-case names.</summary>
public static class NotificationJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,

        // Evaluator state may hold ±Infinity (an empty max/min window); readings never do.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
