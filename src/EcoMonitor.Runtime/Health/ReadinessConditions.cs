using System.Collections.Concurrent;

namespace EcoMonitor.Runtime.Health;

/// <summary>
/// What the parts of the service tell the readiness check beyond "connected" and "storing": a
/// part that cannot do its job (a full disk, a message that keeps failing) raises a blocking
/// condition with its reason and clears it when it recovers; a part may also publish details
/// (what is subscribed, how each notification channel is doing) that show in
/// <c>/health/ready</c> without deciding readiness.
/// </summary>
public sealed class ReadinessConditions
{
    private readonly ConcurrentDictionary<string, string> _blocking = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _details = new(StringComparer.Ordinal);

    /// <summary>The service is not ready while <paramref name="key"/> is raised, for <paramref name="reason"/>.</summary>
    public void Raise(string key, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        _blocking[key] = reason;
    }

    public void Clear(string key) => _blocking.TryRemove(key, out _);

    public bool IsRaised(string key) => _blocking.ContainsKey(key);

    /// <summary>Blocking conditions in force, by key, ordered by key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Blocking =>
        [.. _blocking.OrderBy(p => p.Key, StringComparer.Ordinal)];

    /// <summary>Shown under <paramref name="key"/> in <c>/health/ready</c>; does not change readiness. The value must serialise to JSON.</summary>
    public void SetDetail(string key, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _details[key] = value;
    }

    public IReadOnlyList<KeyValuePair<string, object>> Details =>
        [.. _details.OrderBy(p => p.Key, StringComparer.Ordinal)];
}
