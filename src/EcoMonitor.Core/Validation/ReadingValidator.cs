using System.Globalization;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Validation;

/// <summary>
/// Checks a decoded reading against the catalog and the clock: known metric, finite value in
/// the plausible range, a device time that is neither absurd, in the future nor too old.
/// </summary>
public sealed class ReadingValidator(MetricCatalog catalog, ValidationOptions options)
{
    /// <summary>Nothing before this is a real reading; earlier clocks are unset RTCs.</summary>
    public static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public bool TryValidate(DecodedReading decoded, DateTimeOffset receivedAt, out Reading reading, out Rejection rejection)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        reading = null!;
        rejection = null!;
        var address = decoded.Address;

        if (!catalog.TryGet(address.Kind, decoded.Metric, out var definition))
        {
            rejection = Refuse(RejectionCodes.UnknownMetric, $"'{decoded.Metric}' is not in the catalog for kind {address.Kind.ToName()}");
            return false;
        }

        if (!double.IsFinite(decoded.Value))
        {
            rejection = Refuse(RejectionCodes.ValueNotFinite, $"{decoded.Metric} is {decoded.Value.ToString(CultureInfo.InvariantCulture)}");
            return false;
        }

        var value = decoded.Value;
        if (decoded.Unit is { } unit && unit != definition.Unit)
        {
            if (!UnitConversion.TryConvert(definition, decoded.Value, unit, out value, out var unitError))
            {
                rejection = Refuse(RejectionCodes.UnknownUnit, unitError);
                return false;
            }
        }

        if (!definition.IsPlausible(value))
        {
            var given = decoded.Unit is { } u && u != definition.Unit
                ? string.Create(CultureInfo.InvariantCulture, $" (from {decoded.Value} {u})")
                : string.Empty;
            rejection = Refuse(
                RejectionCodes.OutOfRange,
                string.Create(CultureInfo.InvariantCulture, $"{decoded.Metric} = {value} {definition.Unit}{given} is outside the plausible range {definition.Min}..{definition.Max}"));
            return false;
        }

        DateTimeOffset timestamp;
        if (decoded.Timestamp is { } ts)
        {
            timestamp = ts;
        }
        else if (options.MissingTimestamp == MissingTimestampPolicy.ReceiveTime)
        {
            timestamp = Timestamps.TruncateToMilliseconds(receivedAt);
        }
        else
        {
            rejection = Refuse(RejectionCodes.MissingTimestamp, "the record has no ts and the policy is to refuse such readings");
            return false;
        }

        if (timestamp < Epoch)
        {
            rejection = Refuse(RejectionCodes.InvalidTimestamp, $"ts {Format(timestamp)} is before {Format(Epoch)}: the device clock is not set");
            return false;
        }

        if (timestamp > receivedAt + options.MaxFutureSkew)
        {
            rejection = Refuse(RejectionCodes.TimestampInFuture, $"ts {Format(timestamp)} is more than {options.MaxFutureSkew} after the receive time {Format(receivedAt)}");
            return false;
        }

        if (timestamp < receivedAt - options.MaxAge)
        {
            rejection = Refuse(RejectionCodes.TimestampTooOld, $"ts {Format(timestamp)} is more than {options.MaxAge.TotalDays:0.#} days before the receive time");
            return false;
        }

        reading = new Reading(address.Kind, address.Site, address.Device, decoded.Metric, value, timestamp.ToUnixTimeMilliseconds(), decoded.Seq);
        return true;

        Rejection Refuse(string code, string reason) =>
            new(code, reason, decoded.Record, decoded.Metric, double.IsFinite(decoded.Value) ? decoded.Value : null);
    }

    private static string Format(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Cross-checks within one record (same device and time): PM2.5 cannot exceed PM10 beyond
    /// the tolerance. Refused readings move from <paramref name="accepted"/> to <paramref name="rejections"/>.
    /// </summary>
    public void CheckRecords(List<Reading> accepted, List<Rejection> rejections)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(rejections);
        // Most messages carry one record of a few readings: its pm10 is found by looking, and the
        // index is built only for a large batch.
        var pm10Count = 0;
        var pm25Count = 0;
        foreach (var reading in accepted)
        {
            pm10Count += reading.Metric == "pm10" ? 1 : 0;
            pm25Count += reading.Metric == "pm25" ? 1 : 0;
        }

        if (pm10Count == 0 || pm25Count == 0)
        {
            return;
        }

        Dictionary<(SensorKind, string, string, long), Reading>? pm10 = null;
        if (pm10Count * pm25Count > 64)
        {
            pm10 = [];
            foreach (var reading in accepted)
            {
                if (reading.Metric == "pm10")
                {
                    pm10[(reading.Kind, reading.Site, reading.Device, reading.TimestampMs)] = reading;
                }
            }
        }

        HashSet<Reading>? refused = null;
        foreach (var pm25 in accepted)
        {
            if (pm25.Metric != "pm25" || FindPm10(pm25) is not { } coarse)
            {
                continue;
            }

            var limit = (coarse.Value * (1 + options.PmToleranceFraction)) + options.PmToleranceAbsolute;
            if (pm25.Value > limit)
            {
                var reason = string.Create(CultureInfo.InvariantCulture, $"pm25 = {pm25.Value} exceeds pm10 = {coarse.Value} beyond the tolerance ({limit:0.##}): PM2.5 is part of PM10");
                rejections.Add(new Rejection(RejectionCodes.Pm25AbovePm10, reason, Metric: "pm25", Value: pm25.Value));
                rejections.Add(new Rejection(RejectionCodes.Pm25AbovePm10, reason, Metric: "pm10", Value: coarse.Value));
                refused ??= new HashSet<Reading>(ReferenceEqualityComparer.Instance);
                refused.Add(pm25);
                refused.Add(coarse);
            }
        }

        if (refused is null)
        {
            return;
        }

        accepted.RemoveAll(refused.Contains);

        // The last pm10 of the same device and time, as the index (last one wins) would give.
        Reading? FindPm10(Reading pm25)
        {
            if (pm10 is not null)
            {
                return pm10.GetValueOrDefault((pm25.Kind, pm25.Site, pm25.Device, pm25.TimestampMs));
            }

            for (var i = accepted.Count - 1; i >= 0; i--)
            {
                var r = accepted[i];
                if (r.Metric == "pm10" && r.TimestampMs == pm25.TimestampMs && r.Kind == pm25.Kind && r.Site == pm25.Site && r.Device == pm25.Device)
                {
                    return r;
                }
            }

            return null;
        }
    }
}
