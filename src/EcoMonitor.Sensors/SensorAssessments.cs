using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Sensors;

/// <summary>
/// What the directory says of a device's values by the standards: the AQI (HJ 633 / EPA), the
/// GB 3838-2002 water class, the GB 15618-2018 soil screening state (docs/sensors.md). Pure.
/// </summary>
internal static class SensorAssessments
{
    /// <summary>Latest values older than this before the device's newest reading do not take part in a class or state.</summary>
    public static readonly TimeSpan ValuesWindow = TimeSpan.FromHours(24);

    public const string BelowScreening = "below-screening";
    public const string AboveScreening = "above-screening";
    public const string AboveIntervention = "above-intervention";

    /// <summary>Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ 劣Ⅴ, by class 1–6.</summary>
    public static IReadOnlyList<string> WaterNumerals { get; } = ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"];

    // Above level 5 (AQI 300): the threshold it feeds is never looked at here.
    private const int UnusedLevel = 5;

    /// <summary>
    /// The AQI of an air device from its hourly means, computed as an <c>aqi</c> alert rule of the
    /// hourly basis computes it (<see cref="AqiStateMachine"/>), so the page and the alerts agree.
    /// Null when the device measures none of the six pollutants.
    /// </summary>
    public static AqiView? Aqi(AqiStandard standard, IReadOnlyDictionary<string, IReadOnlyList<HourlyMean>> hourly)
    {
        var pollutants = AqiStateMachine.Pollutants.Where(hourly.ContainsKey).ToList();
        if (pollutants.Count == 0)
        {
            return null;
        }

        var rule = new AlertRule
        {
            Name = "sensor-directory-aqi",
            Kind = SensorKind.Air,
            Condition = new AqiCondition(standard, UnusedLevel, AqiBasis.Hourly),
            Severity = AlertSeverity.Info,
        };
        var machine = new AqiStateMachine(rule, string.Empty, string.Empty);
        List<AlertTransition>? ignored = null;
        var newest = long.MinValue;
        foreach (var pollutant in pollutants)
        {
            foreach (var mean in hourly[pollutant])
            {
                var at = mean.Hour.ToUnixTimeMilliseconds();
                newest = Math.Max(newest, at);
                machine.Observe(pollutant, mean.Mean, at, DateTimeOffset.MinValue, ref ignored);
            }
        }

        var name = standard.Name();
        DateTimeOffset? hour = newest == long.MinValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(newest);
        if (machine.LastResult is not { Aqi: { } aqi } result)
        {
            return new AqiView(name, null, null, null, null, null, [], hour, "NA: no pollutant has a valid value for the hour");
        }

        // HJ 633-2026 §5.3.1: with a pollutant missing, the AQI is published only above 100.
        if (machine.LastIsLowerBound && aqi <= 100)
        {
            return new AqiView(name, null, null, null, null, null, [], hour, $"NA: a pollutant is missing and the index of the others ({aqi}) is not above 100");
        }

        var band = result.Band!;
        IReadOnlyList<string> primary = [.. result.Primary.Select(p => p.Split('_')[0]).Distinct(StringComparer.Ordinal)];
        return new AqiView(
            name, aqi, band.Level, band.CategoryZh, band.Category, band.Color.Hex, primary, hour,
            machine.LastIsLowerBound ? "lower bound: a pollutant is missing" : null);
    }

    /// <summary>
    /// The GB 3838-2002 class from the latest values: each parameter's class, the worst one
    /// deciding (ties: the first in the standard's table, pH last, as pH alone is in range or out).
    /// Null for a device with no parameter of the table but pH.
    /// </summary>
    public static WaterClassView? WaterClass(IReadOnlyDictionary<string, double> latest, bool lake)
    {
        (int Class, string Metric, double Value)? worst = null;
        var besidesPh = false;
        foreach (var item in StandardLimits.Gb3838.OrderBy(i => i.Metric == "ph"))
        {
            var limits = lake ? item.LakeLimits ?? item.Limits : item.Limits;
            if (limits is null || !latest.TryGetValue(item.Metric, out var value))
            {
                continue;
            }

            besidesPh |= item.Metric != "ph";
            var found = 6;
            for (var c = 0; c < 5; c++)
            {
                var limit = (double)limits[c];
                var meets = item.Direction switch
                {
                    ThresholdDirection.Below => value >= limit,
                    ThresholdDirection.Outside => value >= limit && value <= (double)item.High!.Value,
                    _ => value <= limit,
                };
                if (meets)
                {
                    found = c + 1;
                    break;
                }
            }

            if (worst is null || found > worst.Value.Class)
            {
                worst = (found, item.Metric, value);
            }
        }

        return worst is { } w && besidesPh ? new WaterClassView(w.Class, WaterNumerals[w.Class - 1], w.Metric, w.Value) : null;
    }

    /// <summary>
    /// The GB 15618-2018 state of the soil metals measured: above intervention, above screening or
    /// below, at the band of <paramref name="ph"/>; without a pH, the strictest value of the four
    /// bands (so a risk is not hidden by a missing pH). Null without any metal of the table.
    /// </summary>
    public static SoilStateView? Soil(IReadOnlyDictionary<string, double> latest, double? ph, bool paddy)
    {
        var exceeding = new List<string>();
        var intervention = false;
        var any = false;
        foreach (var item in StandardLimits.Gb15618)
        {
            if (!latest.TryGetValue(item.Metric, out var value))
            {
                continue;
            }

            any = true;
            var screening = paddy ? item.Paddy : item.Other;
            var band = ph is { } p ? AlertProfiles.SoilPhBand(p) : -1;
            var screeningLimit = (double)(band >= 0 ? screening[band] : screening.Min());
            if (value > screeningLimit)
            {
                exceeding.Add(item.Metric);
            }

            if (item.Intervention is { } values && value > (double)(band >= 0 ? values[band] : values.Min()))
            {
                intervention = true;
            }
        }

        if (!any)
        {
            return null;
        }

        var state = intervention ? AboveIntervention : exceeding.Count > 0 ? AboveScreening : BelowScreening;
        return new SoilStateView(state, exceeding, ph);
    }
}
