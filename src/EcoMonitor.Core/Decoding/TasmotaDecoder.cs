using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// Tasmota telemetry (standards §6d): on <c>tele/{device}/SENSOR</c> an object
/// <c>{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,…},"SDS0X1":{"PM2.5":11.8,…},"PressureUnit":"hPa","TempUnit":"C"}</c>,
/// one object per sensor driver, plus the same object wrapped as <c>{"StatusSNS":{…}}</c> (the
/// answer to <c>Status 8</c>/<c>Status 10</c>). The payload names no device: the topic does.
/// One message is one record (index 0) without a sequence number.
/// <list type="bullet">
/// <item>Metric names: a field of a sensor object <c>S</c> named <c>F</c> is looked up as the
/// subscription's field map key <c>S.F</c> (a per-sensor choice) first; otherwise <c>F</c> goes through
/// the built-in alias table and then the field map. Fields neither maps are ignored: Tasmota sends
/// many that are no catalog metric (Id, CF1, PB0.3, Gas, Illuminance, Voltage…). A field mapped to
/// <c>-</c> (or to an empty name) is dropped.</item>
/// <item>Derived values are ignored: <c>DewPoint</c>, <c>HeatIndex</c> and <c>AbsHumidity</c> are
/// computed by the firmware from the stored temperature and humidity, and <c>SeaPressure</c> from the
/// station pressure and the altitude typed into the device, so they add no measurement.</item>
/// <item>Several sensors of one quantity (BME280 and SHT3X, <c>DS18B20-1</c> and <c>DS18B20-2</c>): a field the
/// field map names (<c>S.F</c>, or the plain or catalog name) beats one found by the built-in aliases, which is
/// how a subscription prefers a sensor; among equals the first in payload order wins and the others are refused
/// as duplicate-metric. Tasmota appends sensors in its fixed driver order, so the same sensor wins in every
/// message, and a point of the store holds one field per metric.</item>
/// <item>Values that are no JSON number are ignored, notably <c>null</c>, which is how Tasmota prints a
/// failed read (NaN): it claims nothing, so another sensor of the quantity may give it. A number that
/// overflows (1e999) does claim its metric and is refused as value-not-finite, so a broken sensor is
/// reported rather than replaced. A message that yields no reading and no refusal is refused as
/// invalid-shape so that a silent node shows up in the dead letters.</item>
/// <item>Time: <c>Epoch</c> (UTC seconds, <c>Time 1</c> format) wins when present; a numeric <c>Time</c>
/// is UTC seconds (<c>Time 2</c>); a text <c>Time</c> with an offset (SetOption52) is RFC 3339; a text
/// <c>Time</c> without one (the default, milliseconds with <c>Time 3</c>) is wall-clock time in the
/// subscription's TimeZone. See <see cref="TryLocalToInstant"/> for DST. No time at all leaves the
/// reading without a timestamp, for the validator's missing-timestamp policy.</item>
/// <item>Units: <c>TempUnit</c> applies to temperature (<c>C</c>→°C, <c>F</c>→°F), <c>PressureUnit</c> to
/// pressure (<c>hPa</c>, and the ru-RU build's <c>гПа</c>, →hPa); any other spelling (mmHg, inHg) is passed on
/// as given, so the validator converts it or refuses it as unknown-unit, never guesses. Absent units
/// mean the catalog unit, Tasmota's defaults.</item>
/// <item>Sections that are no ambient sensor are skipped unless named by a <c>S.F</c> field map key:
/// <c>Global</c> (SetOption2 repeats the values of another sensor) and <c>ESP32</c> (the chip's own
/// die temperature).</item>
/// <item><c>tele/…/STATE</c> (uptime, heap, Wi-Fi) carries no readings: it is not recognized by
/// <c>auto</c> and is refused as invalid-shape when a subscription routes it here.</item>
/// </list>
/// </summary>
public sealed partial class TasmotaDecoder : IPayloadDecoder
{
    public const string FormatName = "tasmota";

    /// <summary>A field map value that drops the field (e.g. <c>"BME280.Temperature": "-"</c>).</summary>
    public const string Ignore = "-";

    /// <summary>Tasmota's default full topic <c>%prefix%/%topic%/</c> with the SENSOR suffix: the device is the Tasmota topic.</summary>
    private static readonly TopicPattern Topic = TopicPattern.Parse("tele/{device}/SENSOR");

    /// <summary>
    /// Tasmota JSON names (i18n.h <c>D_JSON_*</c> and the drivers' own) → catalog metrics. PM values are
    /// the "atmospheric environment" ones; PMS/HM330X <c>CF1</c>, <c>CF2.5</c>, <c>CF10</c> are the
    /// factory "CF=1" values and stay unmapped. The derived DewPoint, SeaPressure, HeatIndex and
    /// AbsHumidity are left out on purpose (see the class summary). <c>eCO2</c> (SGP30, CCS811) is a
    /// CO2 equivalent estimated from VOCs, not a CO2 measurement, so it is not co2 unless a
    /// subscription maps it.
    /// </summary>
    private static readonly FrozenDictionary<string, string> MetricAliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Temperature"] = "temperature",
        ["Humidity"] = "humidity",
        ["Pressure"] = "pressure",
        ["PM1"] = "pm1",
        ["PM2.5"] = "pm25",
        ["PM10"] = "pm10",
        ["CarbonDioxide"] = "co2",
        ["CO2"] = "co2",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> SkippedSections =
        new[] { "Global", "ESP32" }.ToFrozenSet(StringComparer.Ordinal);

    public string Format => FormatName;

    public IReadOnlyList<string> Aliases => [];

    /// <summary>Telemetry only (not <c>…/STATE</c>); site and kind come from the subscription.</summary>
    public TopicPattern ConventionalTopic => Topic;

    /// <summary>
    /// An object that is a <c>StatusSNS</c> wrapper, or arrives on a <c>…/SENSOR</c> topic, or has a
    /// <c>Time</c> next to at least one nested (sensor) object, and is no native payload (<c>readings</c>).
    /// STATE messages are excluded by topic and by their <c>UptimeSec</c>, since their <c>Wifi</c> object
    /// would otherwise look like a sensor.
    /// </summary>
    public bool Recognizes(JsonElement root, string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (root.ValueKind != JsonValueKind.Object || LastLevel(topic) == "STATE")
        {
            return false;
        }

        try
        {
            return LooksLikeTelemetry(root, topic);
        }
        catch (InvalidOperationException)
        {
            // Looking a name up unescapes the payload's names, and a name holding an unpaired
            // surrogate escape (\ud800) throws: such a payload is no telemetry of any firmware.
            return false;
        }
    }

    private static bool LooksLikeTelemetry(JsonElement root, string topic)
    {
        if (root.TryGetProperty("StatusSNS", out var wrapped) && wrapped.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        // The native format's "readings" object would look like a sensor; it is never a Tasmota driver name.
        if (root.TryGetProperty("readings", out _))
        {
            return false;
        }

        if (LastLevel(topic) == "SENSOR")
        {
            return true;
        }

        if (!root.TryGetProperty("Time", out _) || root.TryGetProperty("UptimeSec", out _))
        {
            return false;
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                return true;
            }
        }

        return false;
    }

    public DecodeResult Decode(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var profile = context.Profile;
        if (!profile.TryResolveAddress(message.Topic, payloadDevice: null, payloadSite: null, out var address, out var refused))
        {
            return DecodeResult.Rejected(refused);
        }

        if (LastLevel(message.Topic) == "STATE")
        {
            return DecodeResult.Rejected(
                RejectionCodes.InvalidShape,
                "Tasmota STATE messages carry device state (uptime, heap, Wi-Fi), not sensor readings: subscribe to tele/{device}/SENSOR");
        }

        if (!JsonPayload.TryParse(message.Payload, context.Limits, out var document, out var rejected))
        {
            return rejected;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return DecodeResult.Rejected(RejectionCodes.InvalidShape, $"a Tasmota payload must be a JSON object, not {JsonPayload.Describe(root.ValueKind)}");
            }

            var decoded = new DecodeResult();
            try
            {
                DecodeRoot(root, address, profile, message.ReceivedAt, decoded);
            }
            catch (InvalidOperationException)
            {
                // A string escape with an unpaired surrogate (\ud800) is valid JSON grammar but no valid
                // text, and reading it (a name, Time, a unit) or looking a name up throws. The message
                // is one record, so nothing of it is kept.
                decoded = DecodeResult.Rejected(RejectionCodes.MalformedJson, "a string of the payload holds an unpaired UTF-16 surrogate escape");
            }

            return JsonPayload.Limit(decoded, context.Limits);
        }
    }

    private static void DecodeRoot(JsonElement root, SensorAddress address, SubscriptionProfile profile, DateTimeOffset receivedAt, DecodeResult result)
    {
        var body = root;
        if (root.TryGetProperty("StatusSNS", out var wrapped))
        {
            if (wrapped.ValueKind != JsonValueKind.Object)
            {
                result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, $"StatusSNS must be an object, not {JsonPayload.Describe(wrapped.ValueKind)}"));
                return;
            }

            body = wrapped;
        }

        DecodeBody(body, address, profile, receivedAt, result);
    }

    private static void DecodeBody(JsonElement body, SensorAddress address, SubscriptionProfile profile, DateTimeOffset receivedAt, DecodeResult result)
    {
        if (!TryReadTime(body, profile.TimeZone, receivedAt, out var timestamp, out var timeError))
        {
            result.Rejections.Add(new Rejection(RejectionCodes.InvalidTimestamp, timeError, 0));
            return;
        }

        var tempUnit = ReadUnit(body, "TempUnit", static text => text switch
        {
            "C" => "°C",
            "F" => "°F",
            _ => text,
        });
        var pressureUnit = ReadUnit(body, "PressureUnit", static text => text switch
        {
            "hPa" or "гПа" => "hPa",
            _ => text,
        });

        // Every field that names a metric offers a value; the winner per metric is chosen once all
        // are seen, because an explicitly mapped field may come after a built-in one.
        var offers = new Dictionary<string, List<Offer>>(StringComparer.Ordinal);
        var order = new List<string>();
        var sensors = new List<string>();
        foreach (var section in body.EnumerateObject())
        {
            if (section.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var sensor = section.Name;
            sensors.Add(sensor);
            foreach (var field in section.Value.EnumerateObject())
            {
                if (Resolve(sensor, field.Name, profile) is not { } resolved || field.Value.ValueKind != JsonValueKind.Number)
                {
                    continue;
                }

                var (metric, explicitlyMapped) = resolved;

                if (!offers.TryGetValue(metric, out var list))
                {
                    list = [];
                    offers[metric] = list;
                    order.Add(metric);
                }

                var source = $"{sensor}.{field.Name}";
                if (!field.Value.TryGetDouble(out var value) || !double.IsFinite(value))
                {
                    // A literal such as 1e999 overflows a double to infinity (TryGetDouble accepts it).
                    // It still claims the metric: a broken sensor is reported, not replaced.
                    list.Add(new Offer(explicitlyMapped, source, double.NaN, new Rejection(
                        RejectionCodes.ValueNotFinite,
                        $"{Shorten(sensor)}.{Shorten(field.Name)} ({Shorten(field.Value.GetRawText())}) is not a finite number",
                        0,
                        metric)));
                    continue;
                }

                list.Add(new Offer(explicitlyMapped, source, value, null));
            }
        }

        if (order.Count == 0)
        {
            var reason = sensors.Count == 0
                ? "the payload has no sensor object (such as \"BME280\": {…}) to read"
                : $"no sensor gives a number for a known metric (sensors: {Shorten(string.Join(", ", sensors))}); null values are failed reads, and other fields need a field map entry";
            result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, reason, 0));
            return;
        }

        foreach (var metric in order)
        {
            var list = offers[metric];

            // The operator's word (a field map entry) beats the built-in names; among equals the
            // first in payload order wins, and the others are reported.
            var rankExplicit = list.Exists(o => o.Explicit);
            var contenders = list.FindAll(o => o.Explicit == rankExplicit);
            var winner = contenders[0];
            if (winner.Refusal is { } refusal)
            {
                result.Rejections.Add(refusal);
            }
            else
            {
                var unit = metric switch
                {
                    "temperature" => tempUnit,
                    "pressure" => pressureUnit,
                    _ => null,
                };
                result.Readings.Add(new DecodedReading(address, metric, winner.Value, timestamp, Seq: null, Record: 0, unit));
            }

            foreach (var other in contenders.Skip(1))
            {
                result.Rejections.Add(other.Refusal ?? new Rejection(
                    RejectionCodes.DuplicateMetric,
                    $"{Shorten(other.Source)} gives '{metric}' again, already given by {Shorten(winner.Source)}: the first sensor in the payload wins (map '{Shorten(other.Source)}' to '{Ignore}' to drop it, or map the one to keep to '{metric}')",
                    0,
                    metric,
                    other.Value));
            }
        }
    }

    /// <summary>
    /// The catalog metric of field <paramref name="field"/> of sensor <paramref name="sensor"/> and
    /// whether the subscription's field map chose it, or null to skip the field.
    /// </summary>
    private static (string Metric, bool Explicit)? Resolve(string sensor, string field, SubscriptionProfile profile)
    {
        string? metric;
        bool explicitlyMapped;
        if (profile.FieldMap.TryGetValue(sensor + "." + field, out var chosen))
        {
            (metric, explicitlyMapped) = (chosen, true);
        }
        else if (SkippedSections.Contains(sensor))
        {
            return null;
        }
        else if (MetricAliases.TryGetValue(field, out var alias))
        {
            explicitlyMapped = profile.FieldMap.TryGetValue(alias, out var remapped);
            metric = explicitlyMapped ? remapped : alias;
        }
        else if (profile.FieldMap.TryGetValue(field, out var mapped))
        {
            (metric, explicitlyMapped) = (mapped, true);
        }
        else
        {
            return null;
        }

        // An empty metric can never be a catalog name; treat it like the explicit '-'.
        return string.IsNullOrEmpty(metric) || metric == Ignore ? null : (metric, explicitlyMapped);
    }

    private sealed record Offer(bool Explicit, string Source, double Value, Rejection? Refusal);

    /// <summary>The unit text as Tasmota spells it, normalized; a non-string is passed on verbatim so the validator refuses it.</summary>
    private static string? ReadUnit(JsonElement body, string name, Func<string, string> normalize)
    {
        if (!body.TryGetProperty(name, out var element))
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String
            ? normalize(element.GetString()!)
            : Shorten(element.GetRawText());
    }

    private static bool TryReadTime(JsonElement body, TimeZoneInfo zone, DateTimeOffset receivedAt, out DateTimeOffset? timestamp, out string error)
    {
        timestamp = null;
        error = string.Empty;

        // Epoch is UTC, so it needs no zone and has no DST ambiguity: it wins over Time.
        if (body.TryGetProperty("Epoch", out var epoch))
        {
            if (!TryUnixSeconds(epoch, out var instant))
            {
                error = $"Epoch must be integer Unix seconds, not {Shorten(epoch.GetRawText())}";
                return false;
            }

            timestamp = instant;
            return true;
        }

        if (!body.TryGetProperty("Time", out var time))
        {
            return true;
        }

        switch (time.ValueKind)
        {
            case JsonValueKind.Number:
                if (!TryUnixSeconds(time, out var seconds))
                {
                    error = $"a numeric Time must be integer Unix seconds, not {Shorten(time.GetRawText())}";
                    return false;
                }

                timestamp = seconds;
                return true;
            case JsonValueKind.String:
                var text = time.GetString()!;
                var match = TimeText().Match(text);
                if (!match.Success)
                {
                    error = $"Time '{Shorten(text)}' is not yyyy-MM-ddTHH:mm:ss[.fff][±hh:mm]";
                    return false;
                }

                if (match.Groups["zone"].Success)
                {
                    if (!Timestamps.TryParseRfc3339(text, out var withZone, out error))
                    {
                        return false;
                    }

                    timestamp = withZone;
                    return true;
                }

                if (!DateTime.TryParseExact(match.Groups["main"].Value, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                {
                    error = $"Time '{Shorten(text)}' is not a valid date and time";
                    return false;
                }

                var fraction = match.Groups["fraction"].Value;
                if (fraction.Length > 0)
                {
                    // Milliseconds are what the store keeps; more digits are truncated.
                    local = local.AddMilliseconds(int.Parse(fraction.PadRight(3, '0')[..3], CultureInfo.InvariantCulture));
                }

                if (!TryLocalToInstant(local, zone, receivedAt, out var converted, out error))
                {
                    return false;
                }

                timestamp = converted;
                return true;
            default:
                error = $"Time must be a local date-time string or Unix seconds, not {JsonPayload.Describe(time.ValueKind)}";
                return false;
        }
    }

    private static bool TryUnixSeconds(JsonElement element, out DateTimeOffset instant)
    {
        instant = default;
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var seconds)
            || seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
        {
            return false;
        }

        instant = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>
    /// Wall-clock time of <paramref name="zone"/> to an instant. A time in the hour the clocks skip
    /// (spring forward) cannot come from a clock that follows the zone's rules, so it is refused as
    /// invalid-timestamp rather than shifted. A time in the hour that repeats (fall back) takes the
    /// offset whose instant is nearest the receive time: Tasmota publishes as it measures, so that is
    /// the pass the device was in (on a tie, the earlier instant).
    /// </summary>
    private static bool TryLocalToInstant(DateTime local, TimeZoneInfo zone, DateTimeOffset receivedAt, out DateTimeOffset instant, out string error)
    {
        instant = default;
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF", CultureInfo.InvariantCulture);
        if (zone.IsInvalidTime(local))
        {
            error = $"Time '{text}' does not exist in {zone.Id} (the clocks skip it at the DST change): the device's zone rules differ from the subscription's TimeZone";
            return false;
        }

        TimeSpan offset;
        if (zone.IsAmbiguousTime(local))
        {
            offset = default;
            var best = long.MaxValue;
            foreach (var candidate in zone.GetAmbiguousTimeOffsets(local).OrderByDescending(o => o))
            {
                // Larger offsets give earlier instants; iterating them first makes a tie keep the earlier one.
                var distance = Math.Abs(local.Ticks - candidate.Ticks - receivedAt.UtcTicks);
                if (distance < best)
                {
                    best = distance;
                    offset = candidate;
                }
            }
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }

        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            error = $"Time '{text}' in {zone.Id} is outside the representable range";
            return false;
        }

        instant = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        error = string.Empty;
        return true;
    }

    private static string LastLevel(string topic)
    {
        var slash = topic.LastIndexOf('/');
        return slash < 0 ? topic : topic[(slash + 1)..];
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static readonly long MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    [GeneratedRegex(@"^(?<main>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.(?<fraction>[0-9]{1,9}))?(?<zone>Z|[+-][0-9]{2}:[0-9]{2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimeText();
}
