using System.Text.Json;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Notifications;
using EcoMonitor.Runtime.Files;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Alerting;

/// <summary>What <c>DataDirectory/state/alerts.json</c> holds: the alert book and the evaluator's per-series state, taken together.</summary>
public sealed record AlertStateFile(int Version, DateTimeOffset SavedAt, AlertBookSnapshot Book, EvaluatorSnapshot Evaluator)
{
    public const int CurrentVersion = 1;
}

/// <summary>
/// Reads and writes the alert state file. A write goes to a temporary file, is fsynced and
/// renamed over the old one, so a crash leaves either the old state or the new, never half; a
/// failed write (a full disk) leaves the old state and no temporary file.
/// A file that cannot be read is moved aside (and logged), and the service starts without state
/// rather than not at all.
/// </summary>
public sealed partial class AlertStateStore(IOptions<DataDirectoryOptions> options, TimeProvider time, ILogger<AlertStateStore> logger)
{
    private readonly string _directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "state");

    public string FilePath => Path.Combine(_directory, "alerts.json");

    public AlertStateFile? Load()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(FilePath);
            var state = JsonSerializer.Deserialize<AlertStateFile>(stream, NotificationJson.Options);
            if (state is { Version: AlertStateFile.CurrentVersion })
            {
                return state;
            }

            LogUnreadable(logger, FilePath, $"version {state?.Version} is not {AlertStateFile.CurrentVersion}");
        }
        catch (JsonException ex)
        {
            LogUnreadable(logger, FilePath, ex.Message);
        }

        var aside = Path.Combine(_directory, $"alerts.unreadable-{time.GetUtcNow():yyyyMMddTHHmmssfff}.json");
        File.Move(FilePath, aside);
        return null;
    }

    public void Save(AlertStateFile state)
    {
        Directory.CreateDirectory(_directory);
        AtomicFile.Write(FilePath, stream => JsonSerializer.Serialize(stream, state, NotificationJson.Options));
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Error, Message = "Alert state {Path} cannot be read ({Reason}); moved aside, starting without alert state")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
