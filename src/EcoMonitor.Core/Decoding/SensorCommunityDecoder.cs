using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// Sensor.Community (luftdaten) airRohr JSON relayed over MQTT (docs/formats.md#sensor-community--airrohr-json-relayed-over-mqtt):
/// <c>{"esp8266id": "12345678", "software_version": "…", "sensordatavalues": [{"value_type": "SDS_P1", "value": "26.83"}, …]}</c>.
/// The firmware has no MQTT of its own; relays forward what it posts to a custom API.
/// <list type="bullet">
/// <item>Device: the name the firmware sends as <c>X-Sensor</c>: <c>esp8266-{esp8266id}</c> for an
/// ESP8266 (its chip id is decimal, at most 8 digits), <c>esp32-{esp8266id}</c> for an ESP32 (the
/// field keeps its name but holds the hex eFuse MAC); an id that already carries one of these prefixes
/// is kept. Without <c>esp8266id</c> (the payload posted to Sensor.Community itself) the topic or the
/// subscription must name the device.</item>
/// <item>Time: the payload has none, so every reading is stamped with the receive time (truncated to
/// milliseconds). It is set here rather than left to the MissingTimestamp policy, which by default
/// refuses timestamp-less readings and would refuse every airRohr message.</item>
/// <item>Values are JSON strings of numbers (<c>String(float)</c>), read with the invariant culture;
/// JSON numbers from relays that convert them are accepted too. <c>nan</c>, <c>inf</c> and <c>ovf</c>
/// (what Arduino prints for such floats) are <c>value-not-finite</c>; other text <c>value-not-number</c>.</item>
/// <item>value_type → metric: PM (<c>SDS_</c>, <c>SPS30_</c>, <c>PMS_</c>, <c>NPM_</c>, <c>HPM_</c>,
/// <c>IPS_</c> and the prefix-stripped <c>P0</c>/<c>P1</c>/<c>P2</c> of the Sensor.Community API:
/// P0 = pm1, P1 = pm10, P2 = pm25), temperature/humidity (<c>SHT3X_</c>, <c>BME280_</c>, <c>HTU21D_</c>,
/// DHT22's unprefixed names, <c>SCD30_</c>, <c>BMP280_</c>, <c>BMP_</c>, <c>DS18B20_</c>), pressure in Pa
/// (<c>BME280_</c>, <c>BMP280_</c>, <c>BMP_</c>, converted to hPa by validation), <c>SCD30_co2_ppm</c>,
/// <c>DNMS_noise_LAeq</c>. A node with two sensors for one metric (BME280 and DHT22) gives one
/// reading: that of the sensor first in the lists above; the other is left out.</item>
/// <item>Diagnostics and quantities the catalog lacks are ignored, not refused: samples, min_micro,
/// max_micro, interval, signal, GPS_*, PPD42's durP*/ratioP* and its P1/P2 (particle counts, not µg/m³),
/// number concentrations (*_N*), SPS30_TS, PM4 and IPS's finer bins, DNMS LA_min/LA_max, and NAMF's
/// HECA_* (the heated inlet, not ambient air). Any other value_type is passed on under its own name, so
/// validation refuses it as <c>unknown-metric</c> until the catalog or FieldMap knows it.</item>
/// <item>The subscription's FieldMap, keyed by value_type, wins over all of the above.</item>
/// <item>A trailing comma in the array (<c>…"-71"},]}</c>, seen in NAMF captures) is tolerated.</item>
/// </list>
/// </summary>
public sealed class SensorCommunityDecoder : IPayloadDecoder
{
    public const string FormatName = "sensor-community";

    /// <summary>Rank of a value_type nobody knows: weaker than every built-in name.</summary>
    private const int PassThrough = 1000;

    private static readonly TopicPattern Topic = TopicPattern.Parse("airrohr/{site}/{device}");

    private static readonly FrozenDictionary<string, Known> KnownTypes = BuildKnownTypes();

    private static readonly FrozenSet<string> IgnoredTypes = new[]
    {
        // Appended by the firmware after the sensors: loop statistics and Wi-Fi signal.
        "samples", "min_micro", "max_micro", "interval", "signal",

        // PPD42 pulse statistics; SPS30 typical particle size and PM4; IPS-7100 bins the catalog lacks.
        "durP1", "ratioP1", "durP2", "ratioP2", "SPS30_TS", "SPS30_P4", "IPS_P01", "IPS_P03", "IPS_P05", "IPS_P5",
        "DNMS_noise_LA_min", "DNMS_noise_LA_max",

        // The same, prefix-stripped as the Sensor.Community API wants them.
        "TS", "P4", "P01", "P03", "P05", "P5", "noise_LA_min", "noise_LA_max", "lat", "lon", "height", "timestamp",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    // GPS fixes; number concentrations (particles/cm³, not a catalog unit); NAMF's heated inlet chamber.
    private static readonly string[] IgnoredPrefixes = ["GPS_", "SPS30_N", "NPM_N", "IPS_N", "HECA_"];

    private static readonly FrozenSet<string> Ppd42Markers =
        new[] { "durP1", "ratioP1", "durP2", "ratioP2" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public string Format => FormatName;

    public IReadOnlyList<string> Aliases => [];

    /// <summary>
    /// The firmware has no MQTT; a relay publishes each node on a topic of its own, as the firmware
    /// simulator does (its README, "Formats"), so the topic's device is checked against esp8266id.
    /// Kind is not in the topic: a subscription sets it (airRohr measures air).
    /// </summary>
    public TopicPattern ConventionalTopic => Topic;

    /// <summary>An object with <c>sensordatavalues</c>.</summary>
    public bool Recognizes(JsonElement root, string topic)
    {
        try
        {
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sensordatavalues", out _);
        }
        catch (InvalidOperationException)
        {
            // A key with an unpaired surrogate escape cannot be compared; such a payload is not ours.
            return false;
        }
    }

    public DecodeResult Decode(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!JsonPayload.TryParse(context.Message.Payload, context.Limits, out var document, out var rejected, allowTrailingCommas: true))
        {
            return rejected;
        }

        using (document)
        {
            try
            {
                return JsonPayload.Limit(DecodeMessage(document.RootElement, context), context.Limits);
            }
            catch (InvalidOperationException)
            {
                // An unpaired surrogate escape (\ud800) is valid JSON grammar but no valid text; reading
                // esp8266id with one throws. Entries of sensordatavalues are guarded one by one.
                return DecodeResult.Rejected(RejectionCodes.MalformedJson, "a string of the message holds an unpaired UTF-16 surrogate escape");
            }
        }
    }

    private static DecodeResult DecodeMessage(JsonElement root, DecodeContext context)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, $"a Sensor.Community message must be a JSON object, not {JsonPayload.Describe(root.ValueKind)}");
        }

        string? device = null;
        if (root.TryGetProperty("esp8266id", out var idElement) && !TryDeviceName(idElement, out device, out var idError))
        {
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, idError);
        }

        var profile = context.Profile;
        if (!profile.TryResolveAddress(context.Message.Topic, device, payloadSite: null, out var address, out var refused))
        {
            return DecodeResult.Rejected(refused);
        }

        if (!root.TryGetProperty("sensordatavalues", out var values) || values.ValueKind != JsonValueKind.Array)
        {
            var what = values.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be an array, not {JsonPayload.Describe(values.ValueKind)}";
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, $"sensordatavalues {what}");
        }

        if (values.GetArrayLength() == 0)
        {
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, "sensordatavalues is empty");
        }

        var decoded = new DecodeResult();
        var claims = new MetricClaims();
        var ppd42 = HasPpd42(values);
        var index = 0;
        foreach (var entry in values.EnumerateArray())
        {
            try
            {
                DecodeEntry(entry, index, profile, ppd42, claims, decoded);
            }
            catch (InvalidOperationException)
            {
                // DecodeEntry claims nothing until it has read the whole entry, so only this entry is lost.
                decoded.Rejections.Add(new Rejection(RejectionCodes.MalformedJson, $"sensordatavalues[{index}] holds a string with an unpaired UTF-16 surrogate escape", 0));
            }

            index++;
        }

        // The device sends no time: the receive time is the reading's time (see the class summary).
        var timestamp = Timestamps.TruncateToMilliseconds(context.Message.ReceivedAt);
        claims.AddTo(decoded, address, timestamp, seq: null, record: 0);
        decoded.StampedAtReceipt = true;
        if (decoded.Readings.Count == 0 && decoded.Rejections.Count == 0)
        {
            decoded.Rejections.Add(new Rejection(
                RejectionCodes.InvalidShape,
                "sensordatavalues holds no measurement, only diagnostics (samples, signal, …)",
                0));
        }

        return decoded;
    }

    private static void DecodeEntry(JsonElement entry, int index, SubscriptionProfile profile, bool ppd42, MetricClaims claims, DecodeResult result)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, $"sensordatavalues[{index}] must be an object, not {JsonPayload.Describe(entry.ValueKind)}", 0));
            return;
        }

        if (!entry.TryGetProperty("value_type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String
            || typeElement.GetString() is not { Length: > 0 } type)
        {
            result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, $"sensordatavalues[{index}] has no value_type string", 0));
            return;
        }

        KnownTypes.TryGetValue(type, out var known);
        string metric;
        int rank;
        if (profile.FieldMap.TryGetValue(type, out var mapped))
        {
            (metric, rank) = (mapped, MetricClaims.Explicit);
        }
        else if (IsIgnored(type) || (ppd42 && known is { Ppd42Alike: true }))
        {
            return;
        }
        else if (known is not null)
        {
            (metric, rank) = (profile.MapField(known.Metric), 1 + known.Rank);
        }
        else
        {
            (metric, rank) = (type, PassThrough);
        }

        // The unit describes the value, whatever metric it is mapped to: BME280 pressure is in Pa.
        var unit = known?.Unit;
        if (!entry.TryGetProperty("value", out var value))
        {
            claims.Refuse(metric, rank, type, new Rejection(RejectionCodes.InvalidShape, $"sensordatavalues[{index}] ({MetricClaims.Shorten(type)}) has no value", 0, metric));
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                var isNumber = double.TryParse(
                    text,
                    NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                    CultureInfo.InvariantCulture,
                    out var parsed);
                if (isNumber && double.IsFinite(parsed))
                {
                    claims.Offer(metric, rank, type, parsed, unit);
                }
                else if (isNumber || IsNonFiniteText(text))
                {
                    // "1e999" overflows to infinity; "nan", "inf" and "ovf" are how Arduino prints such floats.
                    claims.Refuse(metric, rank, type, new Rejection(
                        RejectionCodes.ValueNotFinite,
                        $"value of {MetricClaims.Shorten(type)} (\"{MetricClaims.Shorten(text)}\") is not a finite number",
                        0,
                        metric));
                }
                else
                {
                    claims.Refuse(metric, rank, type, new Rejection(
                        RejectionCodes.ValueNotNumber,
                        $"value of {MetricClaims.Shorten(type)} (\"{MetricClaims.Shorten(text)}\") is not a number",
                        0,
                        metric));
                }

                break;
            case JsonValueKind.Number:
                if (value.TryGetDouble(out var number) && double.IsFinite(number))
                {
                    claims.Offer(metric, rank, type, number, unit);
                }
                else
                {
                    claims.Refuse(metric, rank, type, new Rejection(
                        RejectionCodes.ValueNotFinite,
                        $"value of {MetricClaims.Shorten(type)} ({MetricClaims.Shorten(value.GetRawText())}) is not a finite number",
                        0,
                        metric));
                }

                break;
            default:
                claims.Refuse(metric, rank, type, new Rejection(
                    RejectionCodes.ValueNotNumber,
                    $"value of {MetricClaims.Shorten(type)} must be a string of a number, not {JsonPayload.Describe(value.ValueKind)}",
                    0,
                    metric));
                break;
        }
    }

    /// <summary>
    /// The device name from <c>esp8266id</c>. ESP8266 chip ids are 24-bit numbers printed in decimal
    /// (at most 8 digits); ESP32 builds print the 48-bit eFuse MAC in hex without padding (9–12 digits),
    /// and their firmware calls itself <c>esp32-…</c> in X-Sensor.
    /// </summary>
    private static bool TryDeviceName(JsonElement element, out string? device, out string error)
    {
        device = null;
        string id;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                id = element.GetString()!;
                break;
            case JsonValueKind.Number when element.TryGetInt64(out var n) && n >= 0:
                id = n.ToString(CultureInfo.InvariantCulture);
                break;
            default:
                error = $"esp8266id must be a string of the chip id, not {JsonPayload.Describe(element.ValueKind)}";
                return false;
        }

        // A relay may already send the X-Sensor name; it is kept as it is.
        var prefixed = id.StartsWith("esp8266-", StringComparison.Ordinal) || id.StartsWith("esp32-", StringComparison.Ordinal);
        var bare = prefixed ? id[(id.IndexOf('-', StringComparison.Ordinal) + 1)..] : id;
        if (bare.Length is 0 or > 56 || !bare.All(char.IsAsciiLetterOrDigit))
        {
            error = $"esp8266id '{MetricClaims.Shorten(id)}' is not a chip id (1–56 ASCII letters and digits)";
            return false;
        }

        device = prefixed ? id
            : bare.Length <= 8 && bare.All(char.IsAsciiDigit) ? "esp8266-" + bare
            : "esp32-" + bare;
        error = string.Empty;
        return true;
    }

    private static bool IsIgnored(string type)
    {
        if (IgnoredTypes.Contains(type) || Array.Exists(IgnoredPrefixes, p => type.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        // Prefix-stripped number concentrations: N05, N1, N25, N4, N10, …
        return type.Length > 1 && (type[0] is 'N' or 'n') && !type.AsSpan(1).ContainsAnyExceptInRange('0', '9');
    }

    private static bool HasPpd42(JsonElement values)
    {
        foreach (var entry in values.EnumerateArray())
        {
            try
            {
                if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("value_type", out var type)
                    && type.ValueKind == JsonValueKind.String && Ppd42Markers.Contains(type.GetString()!))
                {
                    return true;
                }
            }
            catch (InvalidOperationException)
            {
                // Unreadable text is reported when the entry itself is decoded.
            }
        }

        return false;
    }

    /// <summary>What Arduino's <c>String(float)</c> and C libraries print for NaN, infinities and overflow.</summary>
    private static bool IsNonFiniteText(string text)
    {
        var t = text.TrimStart('+', '-');
        return t.Equals("nan", StringComparison.OrdinalIgnoreCase) || t.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || t.Equals("infinity", StringComparison.OrdinalIgnoreCase) || t.Equals("ovf", StringComparison.OrdinalIgnoreCase);
    }

    private static FrozenDictionary<string, Known> BuildKnownTypes()
    {
        var types = new Dictionary<string, Known>(StringComparer.OrdinalIgnoreCase);

        // PM: one sensor family order for all three sizes, so pm25 and pm10 come from the same sensor
        // when it reports both (the PM2.5 ≤ PM10 check compares them). SDS011 first: the project's
        // reference sensor. The prefix-stripped names come last; PPD42 also uses P1/P2, for counts.
        string[] pmFamilies = ["SDS_", "SPS30_", "PMS_", "NPM_", "HPM_", "IPS_", string.Empty];
        for (var rank = 0; rank < pmFamilies.Length; rank++)
        {
            var prefix = pmFamilies[rank];
            var stripped = prefix.Length == 0;
            types[prefix + "P0"] = new Known("pm1", rank, null);
            types[prefix + "P1"] = new Known("pm10", rank, null, stripped);
            types[prefix + "P2"] = new Known("pm25", rank, null, stripped);
        }

        // SDS011 and HPM report no PM1.
        types.Remove("SDS_P0");
        types.Remove("HPM_P0");

        // Temperature and humidity: the more accurate sensors first; SCD30 heats itself, BMP's
        // temperature is the die's. The unprefixed names are DHT22's (or any, prefix-stripped).
        string[] temperature = ["SHT3X_", "BME280_", "HTU21D_", string.Empty, "SCD30_", "BMP280_", "BMP_", "DS18B20_"];
        for (var rank = 0; rank < temperature.Length; rank++)
        {
            types[temperature[rank] + "temperature"] = new Known("temperature", rank, null);
        }

        string[] humidity = ["SHT3X_", "BME280_", "HTU21D_", string.Empty, "SCD30_"];
        for (var rank = 0; rank < humidity.Length; rank++)
        {
            types[humidity[rank] + "humidity"] = new Known("humidity", rank, null);
        }

        // Station pressure in Pa (Bosch drivers' readPressure); validation converts it to hPa.
        string[] pressure = ["BME280_", "BMP280_", "BMP_", string.Empty];
        for (var rank = 0; rank < pressure.Length; rank++)
        {
            types[pressure[rank] + "pressure"] = new Known("pressure", rank, "Pa");
        }

        types["SCD30_co2_ppm"] = new Known("co2", 0, null);
        types["co2_ppm"] = new Known("co2", 1, null);
        types["DNMS_noise_LAeq"] = new Known("noise", 0, null);
        types["noise_LAeq"] = new Known("noise", 1, null);
        return types.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <param name="Ppd42Alike">A prefix-stripped PM name that PPD42 uses for particle counts.</param>
    private sealed record Known(string Metric, int Rank, string? Unit, bool Ppd42Alike = false);
}
