using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Service.Hosting;

/// <summary>The <c>config</c> record: the effective configuration at start, secrets removed (docs/audit.md#records).</summary>
internal static class ConfigurationAuditRecords
{
    /// <summary>What is the service's configuration: its sections and top-level keys (not the environment at large).</summary>
    private static readonly string[] Sections =
    [
        "Alerts", "Api", "Audit", "Auth", "Catalog", "DataDirectory", "DeadLetters", "Feed", "HostOptions", "Influx",
        "Ingest", "Mqtt", "Notifications", "Sensors", "Spool", "Ui", "Urls",
    ];

    private static readonly string[] SecretWords = ["Password", "Token", "Secret", "Key", "ConnectionString"];

    /// <summary>
    /// <c>{sha256, settings: {key: value}}</c>: every set key of the sections above; a key whose
    /// name contains Password, Token, Secret, Key or ConnectionString reads <c>(set)</c>, as do the
    /// credentials of a URL. <c>sha256</c> is over the lines <c>key=value</c> so shown, sorted
    /// ordinally, joined with '\n'.
    /// </summary>
    public static AuditRecord Effective(IConfiguration configuration, DateTimeOffset at)
    {
        var settings = Settings(configuration);
        var lines = string.Join('\n', settings.Select(p => $"{p.Key}={p.Value}"));
        return new AuditRecord(AuditRecordTypes.Configuration, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines))),
            ["settings"] = settings.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
        });
    }

    internal static List<KeyValuePair<string, string>> Settings(IConfiguration configuration) =>
        [.. configuration.AsEnumerable()
            .Where(p => p.Value is not null && Sections.Contains(p.Key.Split(':')[0], StringComparer.OrdinalIgnoreCase))
            .Select(p => KeyValuePair.Create(p.Key, Shown(p.Key, p.Value!)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)];

    private static string Shown(string key, string value)
    {
        if (SecretWords.Any(w => key.Contains(w, StringComparison.OrdinalIgnoreCase)))
        {
            return "(set)";
        }

        // mqtts://user:password@host, https://user:token@host: the credentials go.
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo))
        {
            return value.Replace(uri.UserInfo + "@", "(set)@", StringComparison.Ordinal);
        }

        return value;
    }
}

/// <summary>Appends the <c>config</c> record once, when the host starts (a trail that refuses it stops the start).</summary>
internal sealed class ConfigurationAuditor(IConfiguration configuration, IAuditTrail trail, TimeProvider time) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (trail.Enabled)
        {
            await trail.AppendAsync(ConfigurationAuditRecords.Effective(configuration, time.GetUtcNow()), cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
