using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>Saving and restoring the evaluator's per-series state (restarts, rule reloads).</summary>
public sealed partial class AlertEvaluator
{
    private static readonly JsonSerializerOptions FingerprintJson = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// What a state depends on in its rule: everything but the name, line and description. A state
    /// is restored only into a rule with the same name and fingerprint; a changed rule starts over.
    /// </summary>
    public static string FingerprintOf(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var json = JsonSerializer.Serialize(
            new
            {
                rule.Kind,
                rule.Metric,
                Site = rule.Site.ToString(),
                Device = rule.Device.ToString(),
                rule.For,
                rule.Severity,
                Type = rule.Condition.GetType().Name,
                Condition = (object)rule.Condition,
            },
            FingerprintJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))[..8]);
    }

    /// <summary>A copy of every (rule, series) state, consistent at one instant.</summary>
    public EvaluatorSnapshot Snapshot()
    {
        var savedAt = _time.GetUtcNow();
        var fingerprints = new Dictionary<int, (string Name, string Fingerprint)>();
        lock (_gate)
        {
            var series = new List<SeriesSnapshot>(_series.Count);

            // One writer for all: this runs under the lock Observe waits on, so it allocates only the copies.
            var writer = new SeriesStateWriter();
            foreach (var (key, state) in _series)
            {
                var (name, fingerprint) = Identify(key.Rule);
                writer.Clear();
                state.Save(writer);
                series.Add(new SeriesSnapshot(name, fingerprint, key.Kind, key.Site, key.Device, key.Metric, [.. writer.Longs], [.. writer.Doubles]));
            }

            var deadmen = new List<DeadmanSnapshot>(_deadmen.Count);
            foreach (var (key, state) in _deadmen)
            {
                var (name, fingerprint) = Identify(key.Rule);
                var (lastReceivedMs, firing) = state.Save();
                deadmen.Add(new DeadmanSnapshot(name, fingerprint, key.Kind, key.Site, key.Device, lastReceivedMs, firing));
            }

            var soilPh = _soilPh.Sites.Select(p => new SitePhSnapshot(p.Key, p.Value.TimestampMs, p.Value.Ph)).ToList();
            return new EvaluatorSnapshot(savedAt, series, deadmen, soilPh);
        }

        (string, string) Identify(int index)
        {
            if (!fingerprints.TryGetValue(index, out var id))
            {
                var rule = RuleAt(index);
                fingerprints[index] = id = (rule.Name, FingerprintOf(rule));
            }

            return id;
        }
    }

    /// <summary>
    /// Loads the states of <paramref name="snapshot"/> whose rule still exists unchanged (same name
    /// and fingerprint); the others are dropped, as is a state its machine cannot read. Call before
    /// the first reading.
    /// </summary>
    public RestoreResult Restore(EvaluatorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var now = _time.GetUtcNow();
        var rules = new Dictionary<string, (int Index, AlertRule Rule, string Fingerprint)>(StringComparer.Ordinal);
        foreach (var (index, rule) in _seriesRules.Values.SelectMany(l => l).Concat(_deadmanRules))
        {
            rules.TryAdd(rule.Name, (index, rule, FingerprintOf(rule)));
        }

        int restored = 0, changed = 0, damaged = 0;
        lock (_gate)
        {
            // The soil pH per site first: the GB 15618 states read their band from it.
            if (_soilPhRules.Count > 0)
            {
                foreach (var ph in snapshot.SoilPh ?? [])
                {
                    _soilPh.Record(ph.Site, ph.Ph, ph.TimestampMs);
                }
            }

            foreach (var s in snapshot.Series)
            {
                if (!rules.TryGetValue(s.Rule, out var r) || r.Fingerprint != s.Fingerprint || s.Metric is null)
                {
                    changed++;
                    continue;
                }

                try
                {
                    var state = CreateSeriesMachine(r.Rule, s.Kind, s.Site, s.Device, s.Metric);
                    var reader = new SeriesStateReader(s.Longs, s.Doubles);
                    state.Restore(reader);
                    reader.End();
                    state.LastReceivedAt = now;
                    _series[new StateKey(r.Index, s.Kind, s.Site, s.Device, s.Metric)] = state;
                    restored++;
                }
                catch (Exception ex) when (ex is InvalidDataException or ArgumentException or OverflowException)
                {
                    damaged++;
                }
            }

            foreach (var d in snapshot.Deadmen)
            {
                if (!rules.TryGetValue(d.Rule, out var r) || r.Fingerprint != d.Fingerprint || r.Rule.Condition is not DeadmanCondition)
                {
                    changed++;
                    continue;
                }

                var state = new DeadmanStateMachine(r.Rule, d.Kind, d.Site, d.Device, now);
                state.Restore(d.LastReceivedMs, d.Firing, snapshot.SavedAt, now);
                _deadmen[new StateKey(r.Index, d.Kind, d.Site, d.Device, null)] = state;
                restored++;
            }
        }

        return new RestoreResult(restored, changed, damaged);
    }

    /// <summary>
    /// Makes every state's lifecycle agree with <paramref name="firing"/>, the alerts the book
    /// holds as firing (rule, kind, site, device, metric → severity): after a crash the book
    /// (journaled in the outbox) is newer than the evaluator's snapshot. A firing alert without a
    /// state gets one, so the reading that ends it resolves it; a state firing without an alert
    /// stops firing, so the next violation is a new alert. Returns the states changed.
    /// </summary>
    public int Align(IReadOnlyDictionary<(string Rule, SensorKind Kind, string Site, string Device, string? Metric), AlertSeverity> firing)
    {
        ArgumentNullException.ThrowIfNull(firing);
        var now = _time.GetUtcNow();
        var changed = 0;
        lock (_gate)
        {
            var all = _seriesRules.Values.SelectMany(l => l).Concat(_deadmanRules).DistinctBy(r => r.Index).ToList();
            var byIndex = all.ToDictionary(r => r.Index, r => r.Rule);
            var rules = all.ToDictionary(r => r.Rule.Name, StringComparer.Ordinal);
            var seen = new HashSet<(string, SensorKind, string, string, string?)>();
            foreach (var (key, state) in _series)
            {
                var id = (byIndex[key.Rule].Name, key.Kind, key.Site, key.Device, (string?)key.Metric);
                seen.Add(id);
                var severity = firing.TryGetValue(id, out var s) ? s : (AlertSeverity?)null;
                var wasFiring = state.State == AlertState.Firing;
                if (wasFiring || severity.HasValue)
                {
                    state.Align(severity);
                    changed += wasFiring == severity.HasValue ? 0 : 1;
                }
            }

            foreach (var (key, state) in _deadmen)
            {
                var rule = byIndex[key.Rule];
                var id = (rule.Name, key.Kind, key.Site, key.Device, rule.Metric);
                seen.Add(id);
                var isFiring = firing.ContainsKey(id);
                if (state.IsFiring != isFiring)
                {
                    state.Align(isFiring);
                    changed++;
                }
            }

            foreach (var (id, severity) in firing)
            {
                if (seen.Contains(id) || !rules.TryGetValue(id.Rule, out var r))
                {
                    continue;
                }

                if (r.Rule.Condition is DeadmanCondition)
                {
                    var deadman = new DeadmanStateMachine(r.Rule, id.Kind, id.Site, id.Device, now);
                    deadman.Align(true);
                    _deadmen[new StateKey(r.Index, id.Kind, id.Site, id.Device, null)] = deadman;
                }
                else if (id.Metric is not null)
                {
                    var state = CreateSeriesMachine(r.Rule, id.Kind, id.Site, id.Device, id.Metric);
                    state.Align(severity);
                    state.LastReceivedAt = now;
                    _series[new StateKey(r.Index, id.Kind, id.Site, id.Device, id.Metric)] = state;
                }
                else
                {
                    continue;
                }

                changed++;
            }
        }

        return changed;
    }

    private AlertRule RuleAt(int index) =>
        _seriesRules.Values.SelectMany(l => l).Concat(_deadmanRules).First(r => r.Index == index).Rule;
}

/// <summary>The evaluator's state at <see cref="SavedAt"/> (service clock).</summary>
public sealed record EvaluatorSnapshot(
    DateTimeOffset SavedAt,
    IReadOnlyList<SeriesSnapshot> Series,
    IReadOnlyList<DeadmanSnapshot> Deadmen,
    IReadOnlyList<SitePhSnapshot>? SoilPh = null)
{
    public static EvaluatorSnapshot Empty { get; } = new(DateTimeOffset.MinValue, [], []);
}

/// <summary>The latest soil pH of a site (GB 15618 bands).</summary>
public sealed record SitePhSnapshot(string Site, long TimestampMs, double Ph);

/// <summary>One (rule, series) state: its machine's fields, flattened (see <see cref="SeriesStateWriter"/>).</summary>
public sealed record SeriesSnapshot(string Rule, string Fingerprint, SensorKind Kind, string Site, string Device, string? Metric, long[] Longs, double[] Doubles);

/// <summary>One (rule, device) deadman state.</summary>
public sealed record DeadmanSnapshot(string Rule, string Fingerprint, SensorKind Kind, string Site, string Device, long LastReceivedMs, bool Firing);

/// <summary>What <see cref="AlertEvaluator.Restore"/> did: states restored, dropped because their rule is gone or changed, dropped as unreadable.</summary>
public sealed record RestoreResult(int Restored, int RuleChanged, int Unreadable);
