using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Sensors;

/// <summary>
/// The sensor directory (docs/sensors.md): per device its status, latest value per metric, 24
/// hourly means, AQI, water class and soil state, fed by the accepted readings and the node
/// status messages, re-evaluated by age on <see cref="Tick"/>, saved to
/// <c>DataDirectory/state/sensors.json</c>.
/// </summary>
/// <remarks>
/// One lock guards the devices; the ingest path takes it for a few dictionary updates per
/// reading, never for disk I/O or an AQI: a save copies under it and writes outside, and a view
/// copies a device's values under it and computes its AQI, class and state outside (cached until
/// the device's values change). Seeing the same readings or status twice changes nothing but the
/// last-seen time (<see cref="HourlySeries"/>).
/// </remarks>
internal sealed partial class SensorDirectory(
    IOptions<SensorOptions> options,
    MetricCatalog catalog,
    IDeadmanIntervals deadman,
    SensorStateStore store,
    ReadinessConditions readiness,
    SensorMetrics metrics,
    TimeProvider time,
    ILogger<SensorDirectory> logger) : ISensorDirectory, IAcceptedReadingsObserver, INodeStatusObserver
{
    /// <summary>The readiness condition raised while the directory's file cannot be written.</summary>
    public const string StateDiskCondition = DiskStores.SensorState + "-disk";

    public const string DirectoryFull = "directory-full";
    public const string MetricsFull = "metrics-full";
    public const string KindMismatch = "kind-mismatch";

    private static readonly IReadOnlyList<string> Statuses = [SensorStatus.Online, SensorStatus.Stale, SensorStatus.Offline];

    private const string AnnouncedOfflineReason = "announced offline (Last Will or a clean disconnect), no reading since";

    private readonly SensorOptions _options = options.Value;
    private readonly string _offlineReason = $"no reading for {Durations.Format(options.Value.OfflineAfter)} (Sensors:OfflineAfter)";
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly Dictionary<(string Site, string Device), Entry> _devices = [];

    // The latest soil pH of each site (device time), for GB 15618 bands: the pH probe and the
    // metals of a field are often different devices (as the alert engine's SoilPhBook).
    private readonly Dictionary<string, (long TimestampMs, double Ph)> _sitePh = new(StringComparer.Ordinal);
    private long _version;
    private bool _dirty;
    private bool _fullLogged;
    private DateTimeOffset _savedAt = time.GetUtcNow();

    public long Version => Interlocked.Read(ref _version);

    public ValueTask<IReadOnlyList<string>> ObserveAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>([]);
        }

        var now = time.GetUtcNow();
        lock (_gate)
        {
            var changed = false;
            Entry? last = null;
            (string Site, string Device)? refused = null;
            foreach (var reading in readings)
            {
                // Readings of one message are mostly of one device: a refusal counts once per message and device.
                if (refused is { } r && r.Site == reading.Site && r.Device == reading.Device)
                {
                    continue;
                }

                var entry = last is not null && last.Site == reading.Site && last.Device == reading.Device ? last : EntryFor(reading.Kind, reading.Site, reading.Device, now);
                if (last is not null && !ReferenceEquals(entry, last))
                {
                    // Once per device and message, not per reading: the status depends on the
                    // device's state after its readings, and every reading of the message has one now.
                    Evaluate(last, now);
                }

                if (entry is null)
                {
                    refused = (reading.Site, reading.Device);
                    continue;
                }

                if (entry.Kind != reading.Kind)
                {
                    if (!ReferenceEquals(entry, last))
                    {
                        metrics.Refusals.WithLabels(KindMismatch).Inc();
                        LogKindMismatch(logger, reading.Site, reading.Device, reading.Kind.ToName(), entry.Kind.ToName());
                    }

                    last = entry;
                    continue;
                }

                last = entry;
                changed |= Apply(entry, reading, now);
            }

            if (last is not null)
            {
                Evaluate(last, now);
            }

            if (changed)
            {
                Changed();
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>([]);
    }

    public void Observe(NodeStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var (kind, site, device) = (status.Address.Kind, status.Address.Site, status.Address.Device);
        lock (_gate)
        {
            if (status.Announced is null)
            {
                // The retained status was cleared: the node is taken out of service.
                if (_devices.Remove((site, device)))
                {
                    metrics.Forgotten.Inc();
                    LogCleared(logger, site, device);
                    Changed();
                }

                return;
            }

            if (EntryFor(kind, site, device, status.ReceivedAt) is not { } entry)
            {
                return;
            }

            if (entry.Kind != kind)
            {
                metrics.Refusals.WithLabels(KindMismatch).Inc();
                LogKindMismatch(logger, site, device, kind.ToName(), entry.Kind.ToName());
                return;
            }

            entry.Announced = status.Announced;
            entry.AnnouncedAt = status.ReceivedAt;
            entry.LastSeen = Later(entry.LastSeen, status.ReceivedAt);

            // A live "online" is news: the node just connected. A retained one tells only that
            // it was connected some time ago, so it does not make a silent node look fresh.
            if (status.Announced == NodeStatusTopic.Online && !status.Retained && status.ReceivedAt > entry.QuietSince)
            {
                entry.QuietSince = status.ReceivedAt;
            }

            Evaluate(entry, status.ReceivedAt);
            Changed();
        }
    }

    public IReadOnlyList<SensorView> List()
    {
        var now = time.GetUtcNow();
        List<Picked> picked;
        lock (_gate)
        {
            RefreshStatuses(now);
            picked = [.. _devices.Values
                .OrderBy(e => e.Site, StringComparer.Ordinal).ThenBy(e => e.Device, StringComparer.Ordinal)
                .Select(Pick)];
        }

        return Compose(picked);
    }

    public SensorView? Find(string site, string device)
    {
        var now = time.GetUtcNow();
        Picked picked;
        lock (_gate)
        {
            if (!_devices.TryGetValue((site, device), out var entry))
            {
                return null;
            }

            // This device only: the tick keeps the others up to date.
            if (Evaluate(entry, now))
            {
                Changed();
            }

            picked = Pick(entry);
        }

        return Compose([picked])[0];
    }

    /// <summary>
    /// Re-evaluates every status by age (a change bumps <see cref="Version"/>), forgets devices
    /// silent for <see cref="SensorOptions.ForgetAfter"/>, updates the gauges; saves when due.
    /// </summary>
    public void Tick()
    {
        var now = time.GetUtcNow();
        bool saveDue;
        lock (_gate)
        {
            var forgotten = _devices.Values.Where(e => now - Later(e.LastSeen, e.QuietSince) >= _options.ForgetAfter).ToList();
            foreach (var entry in forgotten)
            {
                _devices.Remove((entry.Site, entry.Device));
                metrics.Forgotten.Inc();
                LogForgotten(logger, entry.Site, entry.Device, Durations.Format(_options.ForgetAfter));
            }

            if (forgotten.Count > 0)
            {
                Changed();
            }

            RefreshStatuses(now);
            foreach (var status in Statuses)
            {
                metrics.Sensors.WithLabels(status).Set(_devices.Values.Count(e => e.Status == status));
            }

            saveDue = _dirty && now - _savedAt >= _options.SaveInterval;
        }

        if (saveDue)
        {
            Save();
        }
    }

    /// <summary>
    /// Restores the saved directory; call once, before the first reading. The time the service was
    /// down is not counted as silence (the broker kept the devices' messages, which are on their
    /// way), as for deadman rules.
    /// </summary>
    public void Restore()
    {
        var saved = store.Load();
        if (saved is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var downtime = now > saved.SavedAt ? now - saved.SavedAt : TimeSpan.Zero;
        var restored = 0;
        var dropped = 0;
        lock (_gate)
        {
            foreach (var device in saved.Devices.OrderByDescending(d => d.QuietSince))
            {
                if (_devices.Count >= _options.MaxDevices || !SensorKinds.TryParse(device.Kind, out var kind)
                    || !SensorIdentifiers.IsValid(device.Site) || !SensorIdentifiers.IsValid(device.Device))
                {
                    dropped++;
                    continue;
                }

                var entry = new Entry(kind, device.Site, device.Device)
                {
                    LastSeen = device.LastSeen,
                    LastReadingReceivedAt = device.LastReadingReceivedAt,
                    LastReadingMs = device.LastReadingMs,
                    Announced = device.Announced is NodeStatusTopic.Online or NodeStatusTopic.Offline ? device.Announced : null,
                    AnnouncedAt = device.AnnouncedAt,
                    QuietSince = device.QuietSince + downtime,
                };
                foreach (var metric in (device.Metrics ?? []).Take(_options.MaxMetricsPerDevice))
                {
                    if (double.IsFinite(metric.Value))
                    {
                        entry.Metrics[metric.Metric] = new MetricState(metric.Value, metric.TimestampMs, HourlySeries.Restore(metric.Hours ?? []));
                    }
                }

                Evaluate(entry, now);
                _devices[(entry.Site, entry.Device)] = entry;
                restored++;
            }

            foreach (var site in saved.SitePh ?? [])
            {
                _sitePh[site.Site] = (site.TimestampMs, site.Ph);
            }

            _savedAt = saved.SavedAt;
            Changed();
            _dirty = false;
        }

        LogRestored(logger, restored, dropped, saved.SavedAt);
    }

    /// <summary>
    /// Writes the file now (the graceful stop calls it after the ingest queue drained). Copied
    /// under the lock, serialised and fsynced outside it. Returns false when it could not be
    /// written (logged, counted, readiness raised; the next tick tries again).
    /// </summary>
    public bool Save()
    {
        _saving.Wait();
        try
        {
            SensorStateFile file;
            lock (_gate)
            {
                file = new SensorStateFile(
                    SensorStateFile.CurrentVersion,
                    time.GetUtcNow(),
                    [.. _devices.Values.Select(Saved)],
                    [.. _sitePh.Select(p => new SavedSitePh(p.Key, p.Value.Ph, p.Value.TimestampMs))]);
                _dirty = false;
            }

            try
            {
                store.Save(file);
            }
            catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
            {
                lock (_gate)
                {
                    _dirty = true;
                }

                metrics.DiskWriteFailures.WithLabels(DiskStores.SensorState).Inc();
                readiness.Raise(StateDiskCondition, $"the sensor directory file cannot be written: {ex.Message}");
                LogSaveFailed(logger, ex, store.FilePath);
                return false;
            }

            metrics.StateSaves.Inc();
            lock (_gate)
            {
                _savedAt = file.SavedAt;
            }

            if (readiness.IsRaised(StateDiskCondition))
            {
                readiness.Clear(StateDiskCondition);
                LogSaveRecovered(logger, store.FilePath);
            }

            return true;
        }
        finally
        {
            _saving.Release();
        }
    }

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private static SavedSensor Saved(Entry e) => new(
        e.Site,
        e.Device,
        e.Kind.ToName(),
        e.LastSeen,
        e.LastReadingReceivedAt,
        e.LastReadingMs,
        e.Announced,
        e.AnnouncedAt,
        e.QuietSince,
        [.. e.Metrics.Select(m => new SavedMetric(m.Key, m.Value.Value, m.Value.TimestampMs, m.Value.Hourly.Save()))]);

    /// <summary>The device's entry, created when there is room; null (counted, logged) when the directory is full.</summary>
    private Entry? EntryFor(SensorKind kind, string site, string device, DateTimeOffset now)
    {
        if (_devices.TryGetValue((site, device), out var entry))
        {
            return entry;
        }

        if (_devices.Count >= _options.MaxDevices)
        {
            // Refused, not evicted: the devices that went quiet are the ones officers look for,
            // and a flood of new names must not push them out (docs/sensors.md#bounds).
            metrics.Refusals.WithLabels(DirectoryFull).Inc();
            if (!_fullLogged)
            {
                _fullLogged = true;
                LogDirectoryFull(logger, _options.MaxDevices, site, device);
            }

            return null;
        }

        _fullLogged = false;
        entry = new Entry(kind, site, device) { QuietSince = now };
        _devices[(site, device)] = entry;
        return entry;
    }

    /// <summary>One reading into its device; true when anything visible changed.</summary>
    private bool Apply(Entry entry, Reading reading, DateTimeOffset now)
    {
        var changed = false;
        if (!entry.Metrics.TryGetValue(reading.Metric, out var state))
        {
            if (entry.Metrics.Count >= _options.MaxMetricsPerDevice)
            {
                metrics.Refusals.WithLabels(MetricsFull).Inc();
                return false;
            }

            state = new MetricState(reading.Value, reading.TimestampMs, new HourlySeries());
            entry.Metrics[reading.Metric] = state;
            changed = true;
        }
        else if (reading.TimestampMs > state.TimestampMs || (reading.TimestampMs == state.TimestampMs && reading.Value != state.Value))
        {
            // The newest by device time is the latest, whatever the arrival order; at the same
            // instant the last one received wins, as the store keeps it.
            (state.Value, state.TimestampMs) = (reading.Value, reading.TimestampMs);
            changed = true;
        }

        changed |= state.Hourly.Add(reading.TimestampMs, reading.Value);
        if (entry.Kind == SensorKind.Soil && reading.Metric == "ph"
            && (!_sitePh.TryGetValue(entry.Site, out var ph) || reading.TimestampMs >= ph.TimestampMs))
        {
            _sitePh[entry.Site] = (reading.TimestampMs, reading.Value);
        }

        if (entry.LastReadingMs is null || reading.TimestampMs > entry.LastReadingMs)
        {
            entry.LastReadingMs = reading.TimestampMs;
            changed = true;
        }

        // A node replaying old readings is talking again: ages count from receipt.
        entry.LastSeen = Later(entry.LastSeen, now);
        entry.LastReadingReceivedAt = Later(entry.LastReadingReceivedAt, now);
        entry.QuietSince = Later(entry.QuietSince, now);
        if (changed)
        {
            entry.DataStamp++;
        }

        // Its status is evaluated by the caller, once the message's readings of the device are in.
        return true;
    }

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        _dirty = true;
    }

    private void RefreshStatuses(DateTimeOffset now)
    {
        var changed = false;
        foreach (var entry in _devices.Values)
        {
            changed |= Evaluate(entry, now);
        }

        if (changed)
        {
            Changed();
        }
    }

    /// <summary>The device's status now (docs/sensors.md#status); true when it changed.</summary>
    private bool Evaluate(Entry entry, DateTimeOffset now)
    {
        var (status, reason) = StatusOf(entry, now);
        if (status == entry.Status && reason == entry.StatusReason)
        {
            return false;
        }

        if (status != entry.Status)
        {
            metrics.StatusChanges.WithLabels(status).Inc();
            LogStatusChanged(logger, entry.Site, entry.Device, status, reason);
        }

        (entry.Status, entry.StatusReason) = (status, reason);
        return true;
    }

    private (string Status, string Reason) StatusOf(Entry entry, DateTimeOffset now)
    {
        if (entry.Announced == NodeStatusTopic.Offline && !(entry.LastReadingReceivedAt > entry.AnnouncedAt))
        {
            return (SensorStatus.Offline, AnnouncedOfflineReason);
        }

        // Asked for every device at every message and tick: the device keeps the rules' answer
        // (and the reason it gives) until the rules change.
        var generation = deadman.Generation;
        if (!ReferenceEquals(entry.DeadmanGeneration, generation))
        {
            var rule = deadman.For(entry.Address);
            entry.StaleAfter = rule?.Silence ?? _options.StaleAfter;
            entry.StaleReason = $"no reading for {Durations.Format(entry.StaleAfter)} ({(rule is null ? "Sensors:StaleAfter" : $"deadman rule {rule.Rule}")})";
            entry.DeadmanGeneration = generation;
        }

        var age = now - entry.QuietSince;
        if (age >= _options.OfflineAfter && age >= entry.StaleAfter)
        {
            return (SensorStatus.Offline, _offlineReason);
        }

        if (age >= entry.StaleAfter)
        {
            return (SensorStatus.Stale, entry.StaleReason);
        }

        return entry.LastReadingMs is null
            ? (SensorStatus.Online, "announced online, no reading yet")
            : (SensorStatus.Online, "reporting");
    }

    /// <summary>What a view needs of a device, taken under the lock.</summary>
    private Picked Pick(Entry e) => new(
        e, CopyIfStale(e), e.Body, e.Status, e.StatusReason, e.LastSeen, e.LastReadingMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, e.Announced);

    /// <summary>What a view needs of a device's values, when its cached body is out of date.</summary>
    private Copy? CopyIfStale(Entry entry)
    {
        var sitePh = entry.Kind == SensorKind.Soil && _sitePh.TryGetValue(entry.Site, out var ph) ? ph : ((long, double)?)null;
        if (entry.Body is { } body && body.Stamp == entry.DataStamp && body.SitePh == sitePh)
        {
            return null;
        }

        var views = entry.Metrics
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new MetricView(
                m.Key,
                m.Value.Value,
                catalog.TryGet(entry.Kind, m.Key, out var definition) ? definition.Unit : string.Empty,
                DateTimeOffset.FromUnixTimeMilliseconds(m.Value.TimestampMs),
                m.Value.Hourly.Means()))
            .ToList();
        return new Copy(entry.DataStamp, sitePh, views);
    }

    /// <summary>Computes the bodies that were out of date (outside the lock), caches them, and builds the views.</summary>
    private List<SensorView> Compose(List<Picked> picked)
    {
        var views = new List<SensorView>(picked.Count);
        List<(Entry, Body)>? computed = null;
        foreach (var p in picked)
        {
            var entry = p.Entry;
            var body = p.Body!;
            if (p.Copy is { } copy)
            {
                body = BodyOf(entry, copy);
                (computed ??= []).Add((entry, body));
            }

            views.Add(new SensorView(
                entry.Site,
                entry.Device,
                entry.Kind.ToName(),
                p.Status,
                p.Reason,
                p.LastSeen,
                p.LastReadingAt,
                p.Announced,
                body.Metrics,
                body.Aqi,
                body.Water,
                body.Soil));
        }

        if (computed is not null)
        {
            lock (_gate)
            {
                foreach (var (entry, body) in computed)
                {
                    // A newer body may have been cached meanwhile.
                    if (entry.Body is null || entry.Body.Stamp <= body.Stamp)
                    {
                        entry.Body = body;
                    }
                }
            }
        }

        return views;
    }

    private Body BodyOf(Entry entry, Copy copy)
    {
        var newest = copy.Metrics.Count == 0 ? DateTimeOffset.MinValue : copy.Metrics.Max(m => m.At);
        var recent = copy.Metrics.Where(m => newest - m.At <= SensorAssessments.ValuesWindow).ToDictionary(m => m.Metric, m => m.Value, StringComparer.Ordinal);
        return entry.Kind switch
        {
            SensorKind.Air => new Body(copy.Stamp, copy.SitePh, copy.Metrics, SensorAssessments.Aqi(_options.StandardOf(entry.Site), copy.Metrics.ToDictionary(m => m.Metric, m => m.Hourly, StringComparer.Ordinal)), null, null),
            SensorKind.Water => new Body(copy.Stamp, copy.SitePh, copy.Metrics, null, SensorAssessments.WaterClass(recent, _options.IsLake(entry.Site)), null),
            _ => new Body(copy.Stamp, copy.SitePh, copy.Metrics, null, null, SensorAssessments.Soil(recent, recent.TryGetValue("ph", out var own) ? own : copy.SitePh?.Ph, _options.IsPaddy(entry.Site))),
        };
    }

    [LoggerMessage(EventId = 7802, Level = LogLevel.Warning, Message = "The sensor directory is full ({Max} devices, Sensors:MaxDevices): {Site}/{Device} and further new devices are not listed (their readings are stored); counted in ecomonitor_sensor_refusals_total{{reason=\"directory-full\"}}")]
    private static partial void LogDirectoryFull(ILogger logger, int max, string site, string device);

    [LoggerMessage(EventId = 7803, Level = LogLevel.Debug, Message = "{Site}/{Device} is known as {Known} but sent {Kind}; the directory keeps the first kind")]
    private static partial void LogKindMismatch(ILogger logger, string site, string device, string kind, string known);

    [LoggerMessage(EventId = 7804, Level = LogLevel.Information, Message = "{Site}/{Device} is {Status}: {Reason}")]
    private static partial void LogStatusChanged(ILogger logger, string site, string device, string status, string reason);

    [LoggerMessage(EventId = 7805, Level = LogLevel.Information, Message = "{Site}/{Device} left the sensor directory: its retained status was cleared")]
    private static partial void LogCleared(ILogger logger, string site, string device);

    [LoggerMessage(EventId = 7806, Level = LogLevel.Information, Message = "{Site}/{Device} left the sensor directory: silent for {ForgetAfter} (Sensors:ForgetAfter)")]
    private static partial void LogForgotten(ILogger logger, string site, string device, string forgetAfter);

    [LoggerMessage(EventId = 7807, Level = LogLevel.Information, Message = "Sensor directory restored: {Restored} device(s), {Dropped} dropped (unreadable or beyond Sensors:MaxDevices); saved at {SavedAt:o}")]
    private static partial void LogRestored(ILogger logger, int restored, int dropped, DateTimeOffset savedAt);

    [LoggerMessage(EventId = 7808, Level = LogLevel.Error, Message = "The sensor directory file {Path} cannot be written; not ready, trying again at the next tick")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 7809, Level = LogLevel.Information, Message = "The sensor directory file {Path} is written again; ready")]
    private static partial void LogSaveRecovered(ILogger logger, string path);

    private sealed record Picked(Entry Entry, Copy? Copy, Body? Body, string Status, string Reason, DateTimeOffset? LastSeen, DateTimeOffset? LastReadingAt, string? Announced);

    /// <summary>A metric's latest value; changed in place under the lock (views copy it out).</summary>
    private sealed class MetricState(double value, long timestampMs, HourlySeries hourly)
    {
        public double Value { get; set; } = value;

        public long TimestampMs { get; set; } = timestampMs;

        public HourlySeries Hourly { get; } = hourly;
    }

    private sealed record Copy(long Stamp, (long TimestampMs, double Ph)? SitePh, IReadOnlyList<MetricView> Metrics);

    private sealed record Body(long Stamp, (long TimestampMs, double Ph)? SitePh, IReadOnlyList<MetricView> Metrics, AqiView? Aqi, WaterClassView? Water, SoilStateView? Soil);

    private sealed class Entry(SensorKind kind, string site, string device)
    {
        public SensorKind Kind { get; } = kind;

        public string Site { get; } = site;

        public string Device { get; } = device;

        public SensorAddress Address { get; } = new(kind, site, device);

        /// <summary>The <see cref="IDeadmanIntervals.Generation"/> that <see cref="StaleAfter"/> and <see cref="StaleReason"/> are of.</summary>
        public object? DeadmanGeneration { get; set; }

        public TimeSpan StaleAfter { get; set; }

        public string StaleReason { get; set; } = string.Empty;

        public DateTimeOffset? LastSeen { get; set; }

        public DateTimeOffset? LastReadingReceivedAt { get; set; }

        public long? LastReadingMs { get; set; }

        public string? Announced { get; set; }

        public DateTimeOffset? AnnouncedAt { get; set; }

        /// <summary>The receive time the age is counted from (moved on by the downtime at a restore).</summary>
        public DateTimeOffset QuietSince { get; set; }

        public Dictionary<string, MetricState> Metrics { get; } = new(StringComparer.Ordinal);

        public string Status { get; set; } = string.Empty;

        public string StatusReason { get; set; } = string.Empty;

        /// <summary>Grows when a value changes; the cached <see cref="Body"/> is of one stamp.</summary>
        public long DataStamp { get; set; }

        public Body? Body { get; set; }
    }
}
