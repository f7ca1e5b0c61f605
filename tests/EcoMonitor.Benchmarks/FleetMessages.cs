using EcoMonitor.Core.Readings;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// The fleet's readings cut into messages, as the two load shapes of docs/performance.md bring
/// them: one reading per message (every message from another device), or many per message (a
/// device's records one after the other, each record a line of line protocol).
/// </summary>
internal static class FleetMessages
{
    /// <summary>
    /// <paramref name="devices"/> messages of one reading each, from as many devices (their first
    /// metric): consecutive readings never share a point.
    /// </summary>
    public static Reading[][] OneReadingEach(int devices)
    {
        var round = new ReadingStream(new Fleet()).NextRound(Workload.ReportingInterval);
        var messages = new List<Reading[]>(devices);
        Reading? previous = null;
        foreach (var reading in round)
        {
            if (previous is null || previous.Device != reading.Device)
            {
                messages.Add([reading]);
                if (messages.Count == devices)
                {
                    break;
                }
            }

            previous = reading;
        }

        return [.. messages];
    }

    /// <summary>
    /// One message of <paramref name="readings"/> readings from each of <paramref name="devices"/>
    /// devices: the device's records of successive rounds, a minute apart, the last one cut short.
    /// </summary>
    public static Reading[][] Records(int devices, int readings)
    {
        var stream = new ReadingStream(new Fleet());
        var byDevice = new Dictionary<string, List<Reading>>(StringComparer.Ordinal);
        while (byDevice.Count < devices || byDevice.Values.Any(r => r.Count < readings))
        {
            foreach (var reading in stream.NextRound(Workload.ReportingInterval))
            {
                if (!byDevice.TryGetValue(reading.Device, out var list))
                {
                    if (byDevice.Count == devices)
                    {
                        continue;
                    }

                    byDevice[reading.Device] = list = [];
                }

                if (list.Count < readings)
                {
                    list.Add(reading);
                }
            }
        }

        return [.. byDevice.Values.Select(r => r.ToArray())];
    }
}
