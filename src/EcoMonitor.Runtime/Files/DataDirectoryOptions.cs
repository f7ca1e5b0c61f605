using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Runtime.Files;

/// <summary>Top-level keys of the configuration (README.md#configuration).</summary>
public sealed class DataDirectoryOptions
{
    /// <summary>Spool, dead letters, alert state and outbox live below it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "./data";

    public string DeadLetterDirectory => Path.Combine(Path.GetFullPath(DataDirectory), "deadletter");
}

[OptionsValidator]
internal sealed partial class DataDirectoryOptionsValidator : IValidateOptions<DataDirectoryOptions>;
