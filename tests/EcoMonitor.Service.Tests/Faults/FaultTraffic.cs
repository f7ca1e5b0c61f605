using System.Diagnostics;
using System.Globalization;
using System.Text;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Faults;

/// <summary>One point as the store holds it; values rounded to 6 decimals (VictoriaMetrics keeps ~12 significant digits).</summary>
public sealed record StoredPoint(string Series, string Device, long Timestamp, double Value)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Series}{{device={Device}}} @{Timestamp} = {Value}");
}

/// <summary>One message of a fleet's traffic and the points it must become.</summary>
public sealed record TrafficMessage(string Topic, byte[] Payload, IReadOnlyList<StoredPoint> Points);

/// <summary>
/// The traffic of a simulated fleet for the fault tests, and the checks of what the store holds.
/// Devices cycle through the three kinds; every message carries one record with
/// <c>readingsPerMessage</c> readings, all with distinct (series, device, timestamp), and
/// timestamps within the last hour (the service refuses readings older than 366 days or more
/// than 5 minutes in the future).
/// </summary>
public sealed class FaultTraffic
{
    private static readonly (string Kind, string[] Metrics)[] Kinds =
    [
        ("air", ["pm25", "pm10", "no2", "temperature"]),
        ("water", ["ph", "do", "turbidity", "temperature"]),
        ("soil", ["moisture", "temperature", "ec", "ph"]),
    ];

    private Dictionary<StoredPoint, int>? _messageOfPoint;

    private FaultTraffic(string site, IReadOnlyList<TrafficMessage> messages)
    {
        Site = site;
        Messages = messages;
        Expected = messages.SelectMany(m => m.Points).ToHashSet();
    }

    public string Site { get; }

    /// <summary>In publishing order: the devices take turns, as a fleet reporting together.</summary>
    public IReadOnlyList<TrafficMessage> Messages { get; }

    public HashSet<StoredPoint> Expected { get; }

    public string StoreSelector => $"{{site=\"{Site}\"}}";

    public List<(string Topic, byte[] Payload)> ForPublisher() => [.. Messages.Select(m => (m.Topic, m.Payload))];

    /// <summary>The points of the messages a publisher got accepted.</summary>
    public HashSet<StoredPoint> ExpectedFor(PublishReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.AcceptedIndexes.SelectMany(i => Messages[i].Points).ToHashSet();
    }

    /// <summary>The indexes (in publishing order) of the messages that carry <paramref name="points"/>.</summary>
    public SortedSet<int> MessageIndexesOf(IEnumerable<StoredPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        _messageOfPoint ??= Messages
            .SelectMany((m, i) => m.Points.Select(p => (Point: p, Index: i)))
            .ToDictionary(x => x.Point, x => x.Index);
        return [.. points.Select(p => _messageOfPoint[p])];
    }

    /// <summary>A site name of its own for one test case (tests keep apart by site).</summary>
    public static string NewSite(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    public static FaultTraffic Build(string site, int devices, int messagesPerDevice, int readingsPerMessage = 1)
    {
        if (readingsPerMessage is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(readingsPerMessage), "1 to 4 readings per message");
        }

        var now = DateTimeOffset.UtcNow;
        // 40 minutes ago, whole seconds; message i of a device is 100 ms after message i-1, and
        // devices are 1 ms apart, so 1,000 messages per device span 100 s.
        var start = DateTimeOffset.FromUnixTimeSeconds(now.AddMinutes(-40).ToUnixTimeSeconds());
        var messages = new List<TrafficMessage>(devices * messagesPerDevice);
        for (var i = 0; i < messagesPerDevice; i++)
        {
            for (var d = 0; d < devices; d++)
            {
                var (kind, metrics) = Kinds[d % Kinds.Length];
                var device = string.Create(CultureInfo.InvariantCulture, $"node-{d:000}");
                var ts = start.AddMilliseconds((i * 100L) + d);
                var readings = new (string Metric, double Value)[readingsPerMessage];
                var points = new StoredPoint[readingsPerMessage];
                for (var r = 0; r < readingsPerMessage; r++)
                {
                    // Within every metric's plausible range (0..10.04), distinct per device and message.
                    var value = Math.Round(((i % 1000) * 0.01) + (d * 0.0001) + (r * 0.01), 4);
                    readings[r] = (metrics[r], value);
                    points[r] = new StoredPoint($"{kind}_{metrics[r]}", device, ts.ToUnixTimeMilliseconds(), Math.Round(value, 6));
                }

                var payload = EndToEndIngestTests.Payload(ts, i, readings);
                messages.Add(new TrafficMessage($"eco/{site}/{kind}/{device}", Encoding.UTF8.GetBytes(payload), points));
            }
        }

        return new FaultTraffic(site, messages);
    }

    /// <summary>Every point of the site in the store, one entry per stored sample.</summary>
    public async Task<List<StoredPoint>> ReadStoreAsync(VictoriaMetricsServer store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return PointsOf(await store.ExportAsync(StoreSelector, cancellationToken));
    }

    /// <summary>The points of exported series, one entry per sample.</summary>
    public static List<StoredPoint> PointsOf(IEnumerable<ExportedSeries> series) =>
        [.. series.SelectMany(s => s.Samples.Select(p => new StoredPoint(s.Name, s.Metric["device"], p.Timestamp, Math.Round(p.Value, 6))))];

    /// <summary>Polls the store (every 500 ms) until it holds at least <paramref name="count"/> samples of the site.</summary>
    public async Task<TimeSpan> WaitUntilStoredAsync(VictoriaMetricsServer store, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var last = 0;
        try
        {
            await Eventually.WaitAsync(
                async () => (last = (await ReadStoreAsync(store, cancellationToken)).Count) >= count,
                timeout,
                TimeSpan.FromMilliseconds(500),
                $"{count} samples of site {Site} in the store",
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} It holds {last}.", ex);
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// What the store holds compared with <paramref name="expected"/>: the points missing, the
    /// points nobody published, and how many samples are there twice.
    /// </summary>
    public async Task<StoreComparison> CompareAsync(VictoriaMetricsServer store, IReadOnlySet<StoredPoint> expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var stored = await ReadStoreAsync(store, cancellationToken);
        var storedSet = stored.ToHashSet();
        return new StoreComparison(
            expected.Count,
            stored.Count,
            [.. expected.Where(p => !storedSet.Contains(p))],
            [.. storedSet.Where(p => !expected.Contains(p))],
            stored.Count - storedSet.Count);
    }
}

/// <summary>The store against the expectation.</summary>
public sealed record StoreComparison(int Expected, int StoredSamples, IReadOnlyList<StoredPoint> Missing, IReadOnlyList<StoredPoint> Unexpected, int Duplicates)
{
    /// <summary>Exactly the expected points, each once.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && Duplicates == 0 && StoredSamples == Expected;

    public override string ToString() =>
        $"expected {Expected} distinct points, the store holds {StoredSamples} samples: {Missing.Count} missing, " +
        $"{Unexpected.Count} unexpected, {Duplicates} duplicated" +
        (Missing.Count > 0 ? $"; first missing: {string.Join(", ", Missing.OrderBy(p => p.Timestamp).Take(5))}" : string.Empty) +
        (Unexpected.Count > 0 ? $"; first unexpected: {string.Join(", ", Unexpected.Take(5))}" : string.Empty);
}
