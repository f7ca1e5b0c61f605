using System.ComponentModel.DataAnnotations;
using EcoMonitor.Audit.Notes;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Audit.Log;

/// <summary>Section <c>Audit</c>: the tamper-evident log (docs/audit.md#configuration). On when <see cref="SigningKeyFile"/> is set.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>The file holding the log's signer key (from <c>audit keygen</c>); empty = auditing off.</summary>
    public string SigningKeyFile { get; set; } = "";

    /// <summary>The log's name, the checkpoints' origin and the key's name, e.g. <c>ecomonitor.example.org/audit</c>.</summary>
    public string Origin { get; set; } = "";

    /// <summary>How often a signed checkpoint is written while the log grows.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The MQTT topic each checkpoint is published to, retained (docs/audit.md#witnessing); empty =
    /// not published.
    /// </summary>
    public string CheckpointTopic { get; set; } = "eco/audit/checkpoint";

    public bool Enabled => SigningKeyFile.Length > 0;
}

/// <summary>The rules that need the key file: it exists, holds a signer key, named after the origin.</summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        if (!NoteNames.IsValid(options.Origin))
        {
            problems.Add("Audit:Origin is required when Audit:SigningKeyFile is set: the log's name, without spaces or '+', e.g. ecomonitor.example.org/audit");
        }

        if (options.CheckpointTopic.AsSpan().IndexOfAny("+#\0") >= 0 || options.CheckpointTopic.StartsWith('$'))
        {
            problems.Add($"Audit:CheckpointTopic '{options.CheckpointTopic}' must be a topic name to publish to: no '+', '#' or NUL, not starting with '$' (or empty: not published)");
        }

        var (signer, problem) = AuditKeyFile.TryRead(options.SigningKeyFile);
        using (signer)
        {
            if (problem is not null)
            {
                problems.Add(problem);
            }
            else if (signer!.Name != options.Origin)
            {
                problems.Add($"Audit:SigningKeyFile holds the key of '{signer.Name}', not of Audit:Origin '{options.Origin}' (the log names its key after its origin)");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

[OptionsValidator]
internal sealed partial class AuditOptionsRangeValidator : IValidateOptions<AuditOptions>;

/// <summary>Reads the signer key file; a problem names the file, never its content.</summary>
public static class AuditKeyFile
{
    public static (NoteSigner? Signer, string? Problem) TryRead(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"Audit:SigningKeyFile '{path}' cannot be read: {ex.GetType().Name}");
        }

        try
        {
            return (NoteSigner.Parse(text), null);
        }
        catch (FormatException)
        {
            // The parser's message may quote the key's text: say only what the file is not.
            return (null, $"Audit:SigningKeyFile '{path}' does not hold a signer key (PRIVATE+KEY+<name>+<key ID>+<key>, as `audit keygen` writes)");
        }
    }
}
