namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>Ordered: a higher value is more severe, so levels compare with &lt; and &gt;.</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

public static class AlertSeverities
{
    public static IReadOnlyList<string> Names { get; } = ["info", "warning", "critical"];

    public static string ToName(this AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        AlertSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "unknown severity"),
    };

    public static bool TryParse(string? name, out AlertSeverity severity)
    {
        switch (name)
        {
            case "info": severity = AlertSeverity.Info; return true;
            case "warning": severity = AlertSeverity.Warning; return true;
            case "critical": severity = AlertSeverity.Critical; return true;
            default: severity = default; return false;
        }
    }
}
