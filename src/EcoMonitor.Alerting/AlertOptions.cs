using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Alerting;

/// <summary>Section <c>Alerts</c> (README.md#configuration).</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>The file name looked for when <see cref="RulesFile"/> is not set.</summary>
    public const string DefaultRulesFile = "alert-rules.yaml";

    /// <summary>
    /// The YAML rules file (docs/alert-rules.md#rules-file). Relative paths are relative to the current directory, the
    /// host's content root, where it reads appsettings.json. Unset: <see cref="DefaultRulesFile"/>
    /// beside the configuration, and no rules when there is none.
    /// </summary>
    public string? RulesFile { get; set; }

    /// <summary>How often silent devices are looked for (deadman rules).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the alert state is saved to <c>DataDirectory/state/alerts.json</c> when it
    /// changed. After a crash (not a graceful stop) the evaluator's evidence can be this much
    /// older than the readings acknowledged; the alerts announced are never lost (the outbox).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StateSaveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The file to read, and whether it was named (then a missing file is an error): the given
    /// path, else <see cref="RulesFile"/>, else <see cref="DefaultRulesFile"/> in the current
    /// directory (the host's content root), else beside the executable.
    /// </summary>
    public (string Path, bool Named) ResolveRulesFile(string? explicitPath = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return (explicitPath, true);
        }

        if (!string.IsNullOrWhiteSpace(RulesFile))
        {
            return (RulesFile, true);
        }

        var beside = Path.Combine(AppContext.BaseDirectory, DefaultRulesFile);
        return (File.Exists(DefaultRulesFile) || !File.Exists(beside) ? DefaultRulesFile : beside, false);
    }
}

[OptionsValidator]
internal sealed partial class AlertOptionsValidator : IValidateOptions<AlertOptions>;

/// <summary><c>Alerts:Evaluator</c>: its ranges, checked at start.</summary>
[OptionsValidator]
internal sealed partial class AlertEvaluatorOptionsValidator : IValidateOptions<AlertEvaluatorOptions>;

/// <summary><c>Alerts:Lifecycle</c>: its ranges, checked at start.</summary>
[OptionsValidator]
internal sealed partial class AlertBookOptionsValidator : IValidateOptions<AlertBookOptions>;
