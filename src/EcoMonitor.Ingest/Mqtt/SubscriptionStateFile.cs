using System.Text.Json;
using EcoMonitor.Runtime.Files;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Mqtt;

/// <summary>What <c>DataDirectory/state/subscriptions.json</c> holds: the broker filters the persistent session of <see cref="ClientId"/> at <see cref="Broker"/> may hold.</summary>
internal sealed record SubscriptionState(int Version, string Broker, string ClientId, IReadOnlyList<string> Filters)
{
    public const int CurrentVersion = 1;
}

/// <summary>
/// Remembers the filters subscribed on the persistent session, so that a filter removed from
/// <c>Mqtt:Subscriptions</c> is unsubscribed at the next connect (the broker would otherwise keep
/// delivering it). A write goes to a temporary file, is fsynced and renamed over the old one, so a
/// crash leaves the old list or the new, never half (docs/decisions.md).
/// </summary>
internal sealed class SubscriptionStateFile(IOptions<DataDirectoryOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string FilePath { get; } = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "state", "subscriptions.json");

    /// <summary>The filters last recorded for this session; empty when there is no file or it was written for another broker or client id.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="JsonException">The file is not a subscription list.</exception>
    public IReadOnlyList<string> Load(string broker, string clientId)
    {
        if (!File.Exists(FilePath))
        {
            return [];
        }

        using var stream = File.OpenRead(FilePath);
        var state = JsonSerializer.Deserialize<SubscriptionState>(stream, Json);
        if (state is not { Version: SubscriptionState.CurrentVersion })
        {
            throw new JsonException($"version {state?.Version} is not {SubscriptionState.CurrentVersion}");
        }

        // Another session (a new client id or broker): what it holds is not this session's.
        return state.Broker == broker && state.ClientId == clientId ? state.Filters ?? [] : [];
    }

    /// <exception cref="IOException">The file cannot be written (e.g. the disk is full).</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory is not writable.</exception>
    public void Save(string broker, string clientId, IReadOnlyList<string> filters)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        AtomicFile.Write(FilePath, stream => JsonSerializer.Serialize(stream, new SubscriptionState(SubscriptionState.CurrentVersion, broker, clientId, filters), Json));
    }
}
