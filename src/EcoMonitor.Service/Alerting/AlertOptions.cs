namespace EcoMonitor.Service.Alerting;

/// <summary>Section <c>Alerts</c> (DESIGN §6).</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>The file name looked for when <see cref="RulesFile"/> is not set.</summary>
    public const string DefaultRulesFile = "alert-rules.yaml";

    /// <summary>
    /// The YAML rules file (DESIGN §7a). Relative paths are relative to the current directory, the
    /// host's content root, where it reads appsettings.json. Unset: <see cref="DefaultRulesFile"/>
    /// beside the configuration, and no rules when there is none.
    /// </summary>
    public string? RulesFile { get; set; }
}
