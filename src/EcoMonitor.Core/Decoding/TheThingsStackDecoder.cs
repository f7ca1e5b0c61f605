using System.Collections.Frozen;
using System.Text.Json;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// The Things Stack v3 MQTT integration (docs/formats.md#tts--the-things-stack-v3-uplinks): uplinks on
/// <c>v3/{application id}@{tenant id}/devices/{device id}/up</c>, one JSON object per uplink whose
/// <c>uplink_message.decoded_payload</c> (the output of the application's payload formatter) holds
/// the readings.
/// <list type="bullet">
/// <item>Device: <c>end_device_ids.device_id</c>; it must agree with a <c>{device}</c> level of the topic.
/// Site and kind come from the subscription (its topic or fixed values): an <c>app@tenant</c> level
/// is no valid site name, and one LoRaWAN application often spans several sites.</item>
/// <item>Time: <c>uplink_message.received_at</c> (the Network Server's receive time), else the
/// top-level <c>received_at</c> (the Application Server's); RFC 3339 with nanoseconds, truncated to
/// milliseconds. LoRaWAN frames carry no device time, so this is the closest to the measurement.</item>
/// <item>Seq: <c>uplink_message.f_cnt</c>. TTS omits zero-valued fields, so an absent f_cnt is frame 0
/// or a console-simulated uplink; seq is then left unknown rather than guessed.</item>
/// <item>Readings: every number of <c>decoded_payload</c>; nested objects are flattened with a dot
/// (<c>{"bme280": {"temperature": 21}}</c> → <c>bme280.temperature</c>, to be mapped in FieldMap).
/// Names go through the subscription's FieldMap first, then a small built-in alias table
/// (<c>pm2_5</c> → <c>pm25</c>, <c>temp</c> → <c>temperature</c>, …, and the CayenneLPP formatter's
/// <c>temperature_{channel}</c>, <c>relative_humidity_{channel}</c>, <c>barometric_pressure_{channel}</c>).
/// Values are taken in the catalog unit: the formatter carries no unit. A number under an unknown name
/// is passed on and refused by validation as <c>unknown-metric</c>, so a misnamed metric is visible.
/// A string, boolean, null or array is refused (<c>value-not-number</c>) only under a metric name;
/// under any other name (battery status strings, firmware versions, raw byte arrays) it is ignored,
/// because formatters emit such fields on every uplink.</item>
/// <item>Radio metadata (<c>rx_metadata</c> RSSI/SNR, <c>settings</c>, airtime) is ignored.</item>
/// <item>A message without <c>uplink_message</c> (join-accept, downlink events, service data,
/// location) or an uplink without <c>decoded_payload</c> (no payload formatter, or it failed) is
/// refused as <c>invalid-shape</c>: acknowledging it with no reading and no reason would drop it
/// silently. Subscribe to <c>v3/+/devices/+/up</c> only.</item>
/// </list>
/// </summary>
public sealed class TheThingsStackDecoder : IPayloadDecoder
{
    public const string FormatName = "tts";

    /// <summary>The Things Network, the community network on The Things Stack, by its own name.</summary>
    public const string TtnAlias = "ttn";

    /// <summary>
    /// Uplinks of every application of the broker account. The application level is
    /// <c>{application id}@{tenant id}</c> on multi-tenant deployments (TTN, Cloud) and the bare
    /// application id on others; it names no site, so it is a wildcard rather than a capture.
    /// </summary>
    private static readonly TopicPattern UplinkTopic = TopicPattern.Parse("v3/+/devices/{device}/up");

    private const int Alias = 1;
    private const int PassThrough = 2;

    /// <summary>Common payload-formatter names → catalog metrics; every built-in catalog name maps to itself.</summary>
    private static readonly FrozenDictionary<string, string> MetricAliases = BuildMetricAliases();

    /// <summary>What the other TTS message types are called, for the reason of a refusal.</summary>
    private static readonly string[] OtherMessageTypes =
    [
        "join_accept", "downlink_ack", "downlink_nack", "downlink_sent", "downlink_failed", "downlink_queued",
        "downlink_queue_invalidated", "service_data", "location_solved",
    ];

    public string Format => FormatName;

    public IReadOnlyList<string> Aliases { get; } = [TtnAlias];

    public TopicPattern ConventionalTopic => UplinkTopic;

    /// <summary>An object with <c>end_device_ids</c> and <c>uplink_message</c>.</summary>
    public bool Recognizes(JsonElement root, string topic)
    {
        try
        {
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("end_device_ids", out _)
                && root.TryGetProperty("uplink_message", out _);
        }
        catch (InvalidOperationException)
        {
            // A key with an unpaired surrogate escape cannot be compared; such a payload is no uplink.
            return false;
        }
    }

    public DecodeResult Decode(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!JsonPayload.TryParse(context.Message.Payload, context.Limits, out var document, out var rejected))
        {
            return rejected;
        }

        using (document)
        {
            try
            {
                return JsonPayload.Limit(DecodeUplink(document.RootElement, context), context.Limits);
            }
            catch (InvalidOperationException)
            {
                // An unpaired surrogate escape (\ud800) is valid JSON grammar but no valid text; reading
                // an envelope string that holds one throws. Fields of decoded_payload are guarded one by one.
                return DecodeResult.Rejected(RejectionCodes.MalformedJson, "a string of the uplink holds an unpaired UTF-16 surrogate escape");
            }
        }
    }

    private static DecodeResult DecodeUplink(JsonElement root, DecodeContext context)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, $"a The Things Stack message must be a JSON object, not {JsonPayload.Describe(root.ValueKind)}");
        }

        if (!root.TryGetProperty("end_device_ids", out var ids) || ids.ValueKind != JsonValueKind.Object
            || !ids.TryGetProperty("device_id", out var deviceElement) || deviceElement.ValueKind != JsonValueKind.String
            || deviceElement.GetString() is not { Length: > 0 } deviceId)
        {
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, "end_device_ids.device_id is missing or not a non-empty string");
        }

        var profile = context.Profile;
        if (!profile.TryResolveAddress(context.Message.Topic, deviceId, payloadSite: null, out var address, out var refused))
        {
            return DecodeResult.Rejected(refused);
        }

        if (!root.TryGetProperty("uplink_message", out var uplink))
        {
            var kind = Array.Find(OtherMessageTypes, t => root.TryGetProperty(t, out _));
            var what = kind is null ? "it has no uplink_message" : $"it is a {kind} message";
            return DecodeResult.Rejected(
                RejectionCodes.InvalidShape,
                $"not an uplink: {what}; subscribe to {UplinkTopic.Filter} only");
        }

        if (uplink.ValueKind != JsonValueKind.Object)
        {
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, $"uplink_message must be an object, not {JsonPayload.Describe(uplink.ValueKind)}");
        }

        if (!uplink.TryGetProperty("decoded_payload", out var payload))
        {
            return DecodeResult.Rejected(
                RejectionCodes.InvalidShape,
                "the uplink has no decoded_payload: set a payload formatter for the application or device in The Things Stack (or it failed on this frame)");
        }

        if (payload.ValueKind != JsonValueKind.Object)
        {
            return DecodeResult.Rejected(RejectionCodes.InvalidShape, $"decoded_payload must be an object of name: number, not {JsonPayload.Describe(payload.ValueKind)}");
        }

        DateTimeOffset? timestamp = null;
        if (uplink.TryGetProperty("received_at", out var receivedAt) || root.TryGetProperty("received_at", out receivedAt))
        {
            if (receivedAt.ValueKind != JsonValueKind.String)
            {
                return DecodeResult.Rejected(RejectionCodes.InvalidTimestamp, $"received_at must be an RFC 3339 string, not {JsonPayload.Describe(receivedAt.ValueKind)}");
            }

            if (!Timestamps.TryParseRfc3339(receivedAt.GetString()!, out var ts, out var tsError))
            {
                return DecodeResult.Rejected(RejectionCodes.InvalidTimestamp, $"received_at: {tsError}");
            }

            timestamp = ts;
        }

        long? seq = null;
        if (uplink.TryGetProperty("f_cnt", out var fCnt))
        {
            if (fCnt.ValueKind != JsonValueKind.Number || !fCnt.TryGetInt64(out var count) || count < 0)
            {
                return DecodeResult.Rejected(RejectionCodes.InvalidShape, "uplink_message.f_cnt must be a non-negative integer");
            }

            seq = count;
        }

        var decoded = new DecodeResult();
        var claims = new MetricClaims();
        CollectFields(payload, prefix: string.Empty, profile, claims, decoded);
        claims.AddTo(decoded, address, timestamp, seq, record: 0);
        if (decoded.Readings.Count == 0 && decoded.Rejections.Count == 0)
        {
            decoded.Rejections.Add(new Rejection(
                RejectionCodes.InvalidShape,
                "decoded_payload holds no number: nothing to store (check the payload formatter)",
                0));
        }

        return decoded;
    }

    /// <summary>Offers every field of <paramref name="obj"/>, descending into nested objects with dotted names.</summary>
    private static void CollectFields(JsonElement obj, string prefix, SubscriptionProfile profile, MetricClaims claims, DecodeResult result)
    {
        foreach (var field in obj.EnumerateObject())
        {
            string name;
            try
            {
                name = prefix + field.Name;
            }
            catch (InvalidOperationException)
            {
                // Nothing of a field whose name is no valid text can be mapped; the others still count.
                result.Rejections.Add(new Rejection(RejectionCodes.MalformedJson, "a field name of decoded_payload holds an unpaired UTF-16 surrogate escape", 0));
                continue;
            }

            var value = field.Value;
            if (value.ValueKind == JsonValueKind.Object)
            {
                CollectFields(value, name + ".", profile, claims, result);
                continue;
            }

            var (metric, rank) = Map(name, profile);
            if (value.ValueKind != JsonValueKind.Number)
            {
                if (rank != PassThrough)
                {
                    claims.Refuse(metric, rank, name, new Rejection(
                        RejectionCodes.ValueNotNumber,
                        $"value of '{MetricClaims.Shorten(name)}' must be a JSON number, not {JsonPayload.Describe(value.ValueKind)}",
                        0,
                        metric));
                }

                continue;
            }

            if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
            {
                // A literal such as 1e999 overflows a double to infinity (TryGetDouble accepts it).
                claims.Refuse(metric, rank, name, new Rejection(
                    RejectionCodes.ValueNotFinite,
                    $"value of '{MetricClaims.Shorten(name)}' ({MetricClaims.Shorten(value.GetRawText())}) is not a finite number",
                    0,
                    metric));
                continue;
            }

            claims.Offer(metric, rank, name, number);
        }
    }

    /// <summary>FieldMap (the operator knows the formatter), then the built-in aliases, then the name itself.</summary>
    private static (string Metric, int Rank) Map(string name, SubscriptionProfile profile)
    {
        if (profile.FieldMap.TryGetValue(name, out var mapped))
        {
            return (mapped, MetricClaims.Explicit);
        }

        if (MetricAliases.TryGetValue(name, out var alias) || TryCayenneLpp(name, out alias))
        {
            return (profile.MapField(alias), Alias);
        }

        return (name, PassThrough);
    }

    /// <summary>
    /// TTS's built-in CayenneLPP formatter names a field by the lower-case sensor type and the channel
    /// (<c>temperature_3</c>, <c>relative_humidity_5</c>, <c>barometric_pressure_0</c> in hPa). Two channels of
    /// one type are two sensors: they keep neither value until FieldMap says which channel is meant.
    /// </summary>
    private static bool TryCayenneLpp(string name, out string metric)
    {
        metric = string.Empty;
        var underscore = name.LastIndexOf('_');
        if (underscore <= 0 || name.Length - underscore - 1 is < 1 or > 3 || name.AsSpan(underscore + 1).ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        metric = name[..underscore] switch
        {
            "temperature" => "temperature",
            "relative_humidity" => "humidity",
            "barometric_pressure" => "pressure",
            _ => string.Empty,
        };
        return metric.Length > 0;
    }

    private static FrozenDictionary<string, string> BuildMetricAliases()
    {
        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var metric in MetricCatalog.Default.Metrics)
        {
            aliases[metric.Name] = metric.Name;
        }

        void Add(string metric, params string[] names)
        {
            foreach (var name in names)
            {
                aliases[name] = metric;
            }
        }

        // Names seen in payload formatters of the TTN device repository and in community decoders.
        Add("pm25", "pm2_5", "pm2.5", "pm_2_5", "pm_25", "pm2p5");
        Add("pm10", "pm10_0", "pm10.0", "pm_10", "pm10p0");
        Add("pm1", "pm1_0", "pm1.0", "pm_1", "pm_1_0", "pm1p0");
        Add("temperature", "temp", "air_temperature");
        Add("humidity", "hum", "rh", "relative_humidity", "relativehumidity", "air_humidity");
        Add("pressure", "air_pressure", "barometric_pressure");
        Add("co2", "co2_ppm", "carbon_dioxide");
        Add("noise", "laeq", "noise_laeq", "sound_level");
        Add("do", "dissolved_oxygen");
        Add("moisture", "soil_moisture", "vwc");
        Add("ec", "soil_ec", "soil_conductivity");
        Add("n", "nitrogen");
        Add("p", "phosphorus");
        Add("k", "potassium");
        return aliases.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
