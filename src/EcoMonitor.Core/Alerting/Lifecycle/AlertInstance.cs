using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Lifecycle;

/// <summary>
/// One alert: one firing episode of one (rule, series), from the transition that made it fire to
/// the one that resolved it. What <c>/api/alerts</c> lists and an officer acknowledges.
/// </summary>
/// <param name="Id">Stable over restarts: derived from the rule, the series and <paramref name="StartsAt"/>.</param>
/// <param name="Value">The last value that changed the alert (start, severity change, end).</param>
/// <param name="Late">It started in a replayed backlog.</param>
public sealed record AlertInstance(
    string Id,
    string Rule,
    AlertSeverity Severity,
    SensorKind Kind,
    string Site,
    string Device,
    string? Metric,
    double Value,
    double Threshold,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    bool Late,
    Acknowledgement? Acknowledgement)
{
    public NotificationState State => EndsAt is null ? NotificationState.Firing : NotificationState.Resolved;

    /// <summary>
    /// 16 hex digits of SHA-256 over the rule, the series and the start (Unix ms): the same episode
    /// gets the same id after a restart or a replay, so channels can use it as an idempotency key.
    /// </summary>
    public static string IdFor(string rule, SensorKind kind, string site, string device, string? metric, DateTimeOffset startsAt)
    {
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{rule}\n{kind.ToName()}\n{site}\n{device}\n{metric}\n{startsAt.ToUnixTimeMilliseconds()}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }
}
