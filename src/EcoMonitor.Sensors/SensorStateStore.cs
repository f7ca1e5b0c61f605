using System.Text.Json;
using EcoMonitor.Runtime.Files;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Sensors;

/// <summary>What <c>DataDirectory/state/sensors.json</c> holds (docs/sensors.md#persistence).</summary>
internal sealed record SensorStateFile(int Version, DateTimeOffset SavedAt, IReadOnlyList<SavedSensor> Devices, IReadOnlyList<SavedSitePh>? SitePh)
{
    public const int CurrentVersion = 1;
}

/// <summary>One device as saved. <paramref name="QuietSince"/> is the receive time its age is counted from.</summary>
internal sealed record SavedSensor(
    string Site,
    string Device,
    string Kind,
    DateTimeOffset? LastSeen,
    DateTimeOffset? LastReadingReceivedAt,
    long? LastReadingMs,
    string? Announced,
    DateTimeOffset? AnnouncedAt,
    DateTimeOffset QuietSince,
    IReadOnlyList<SavedMetric> Metrics);

internal sealed record SavedMetric(string Metric, double Value, long TimestampMs, IReadOnlyList<SavedHour> Hours);

/// <param name="Spans">The device-time spans already counted, <c>[from, to]</c> in Unix ms (docs/sensors.md#hourly-means).</param>
internal sealed record SavedHour(long Hour, double Sum, int Count, IReadOnlyList<long[]>? Spans);

/// <summary>A site's latest soil pH (device time, Unix ms).</summary>
internal sealed record SavedSitePh(string Site, double Ph, long TimestampMs);

/// <summary>
/// Reads and writes the directory's file, whole and atomically (<see cref="AtomicFile"/>). A file
/// that cannot be read is moved aside (and logged), and the service starts with an empty
/// directory rather than not at all.
/// </summary>
internal sealed partial class SensorStateStore(IOptions<DataDirectoryOptions> options, TimeProvider time, ILogger<SensorStateStore> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "state");

    public string FilePath => Path.Combine(_directory, "sensors.json");

    public SensorStateFile? Load()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(FilePath);
            var state = JsonSerializer.Deserialize<SensorStateFile>(stream, Json);
            if (state is { Version: SensorStateFile.CurrentVersion, Devices: not null })
            {
                return state;
            }

            LogUnreadable(logger, FilePath, $"version {state?.Version} is not {SensorStateFile.CurrentVersion}");
        }
        catch (JsonException ex)
        {
            LogUnreadable(logger, FilePath, ex.Message);
        }

        File.Move(FilePath, Path.Combine(_directory, $"sensors.unreadable-{time.GetUtcNow():yyyyMMddTHHmmssfff}.json"));
        return null;
    }

    /// <exception cref="IOException">The disk refused the write.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory is not writable.</exception>
    public void Save(SensorStateFile state)
    {
        Directory.CreateDirectory(_directory);
        AtomicFile.Write(FilePath, stream => JsonSerializer.Serialize(stream, state, Json));
    }

    [LoggerMessage(EventId = 7801, Level = LogLevel.Error, Message = "Sensor directory {Path} cannot be read ({Reason}); moved aside, starting with an empty directory")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
