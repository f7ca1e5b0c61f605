using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// SenML JSON packs (RFC 8428, <c>application/senml+json</c>): an array of records, each one
/// measurement, with base fields (<c>bn</c>, <c>bt</c>, <c>bu</c>, <c>bv</c>, <c>bs</c>,
/// <c>bver</c>) that apply to their record and every later one until a record sets them again.
/// </summary>
/// <remarks>
/// <para>Identity (docs/formats.md#senml--rfc-8428): the metric is the part of the resolved name <c>bn + n</c> after its
/// last <c>:</c> or <c>/</c> (then the subscription's field map); the segment before that, the last
/// one of the prefix, names the device: <c>urn:dev:ow:10e2073a01080063:</c> + <c>temperature</c> is
/// device <c>10e2073a01080063</c>, metric <c>temperature</c>. A topic that names a device must agree
/// with it; a topic that names none lets one pack carry several devices (a gateway's pack).</para>
/// <para>The whole pack is refused when RFC 8428 says it must not be used: a label ending in
/// <c>_</c>, a version above 10, or records of different versions. Otherwise each record stands
/// alone: a bad record is refused with its index and the others still count.</para>
/// <para>Only numeric values (<c>v</c>) are readings: a record with <c>vs</c>, <c>vb</c> or <c>vd</c>,
/// or with only a sum, is refused as value-not-number; a sum beside <c>v</c> is ignored. A record with
/// neither <c>bt</c> nor <c>t</c> has no time of its own, so the missing-timestamp policy decides; any
/// other time below 2^28 is relative to the receive time.</para>
/// </remarks>
public sealed partial class SenmlDecoder : IPayloadDecoder
{
    public const string FormatName = "senml";

    /// <summary>The version RFC 8428 defines, and the default when <c>bver</c> is absent.</summary>
    public const int SupportedVersion = 10;

    /// <summary>RFC 8428 §4.5.3: times below 2^28 are seconds relative to "now", from 2^28 on Unix seconds.</summary>
    private const double RelativeTimeLimit = 268_435_456;

    /// <summary>
    /// Beyond the whole DateTimeOffset range (about 3.16e17 µs) with margin: anything larger is out of
    /// range anyway, and below it the tick arithmetic cannot overflow a long.
    /// </summary>
    private const double MaxMicroseconds = 3.2e17;

    private static readonly TopicPattern Topic = TopicPattern.Parse("senml/{site}/{kind}/{device}");

    private static readonly char[] Separators = [':', '/'];

    /// <summary>Every label of RFC 8428 Table 2: a first record with any of them (and no native <c>readings</c>) is SenML.</summary>
    private static readonly string[] Labels = ["bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut"];

    public string Format => FormatName;

    public IReadOnlyList<string> Aliases => [];

    /// <summary>
    /// RFC 8428 names no MQTT topic; this is where the firmware simulator publishes (its README,
    /// "Formats"): the topic names the device, so a pack naming another device is refused.
    /// </summary>
    public TopicPattern ConventionalTopic => Topic;

    public bool Recognizes(JsonElement root, string topic)
    {
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0 || root[0].ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        // Label by label rather than TryGetProperty, which throws on a key holding an unpaired
        // surrogate escape; such a key is skipped here and refused by Decode.
        var senml = false;
        foreach (var property in root[0].EnumerateObject())
        {
            if (!TryReadLabel(property, out var label))
            {
                continue;
            }

            if (label == "readings")
            {
                return false;
            }

            senml |= Array.IndexOf(Labels, label) >= 0;
        }

        return senml;
    }

    public DecodeResult Decode(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var profile = context.Profile;
        var topic = context.Message.Topic;
        if (!TryResolveTopic(profile, topic, out var topicAddress, out var refused))
        {
            return DecodeResult.Rejected(refused);
        }

        if (!JsonPayload.TryParse(context.Message.Payload, context.Limits, out var document, out var malformed))
        {
            return malformed;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return DecodeResult.Rejected(RejectionCodes.InvalidShape, $"a SenML pack must be a JSON array of records, not {JsonPayload.Describe(root.ValueKind)}");
            }

            if (root.GetArrayLength() == 0)
            {
                return DecodeResult.Rejected(RejectionCodes.InvalidShape, "the SenML pack is empty");
            }

            if (CheckPack(root) is { } packRefused)
            {
                var result = new DecodeResult();
                result.Rejections.Add(packRefused);
                return result;
            }

            var pack = new PackDecoder(profile, topic, topicAddress, context.Message.ReceivedAt);
            var index = 0;
            foreach (var record in root.EnumerateArray())
            {
                pack.Decode(record, index++);
            }

            return JsonPayload.Limit(pack.Finish(), context.Limits);
        }
    }

    /// <summary>
    /// Where the topic (and the subscription's fixed values) place the message. A missing device
    /// is no error yet when the topic has no <c>{device}</c> level: the records' names may supply it.
    /// </summary>
    private static bool TryResolveTopic(SubscriptionProfile profile, string topic, out SensorAddress? address, out Rejection rejection)
    {
        if (profile.TryResolveAddress(topic, payloadDevice: null, payloadSite: null, out var resolved, out rejection))
        {
            address = resolved;
            return true;
        }

        address = null;

        // Whether the device is all that is missing: with a stand-in device every other check
        // (pattern, kind, site) runs, and a failure then is the topic's, not the records'.
        return rejection.Code == RejectionCodes.BadTopic
            && profile.Device is null
            && !profile.Topic.Captures.Contains("device", StringComparer.Ordinal)
            && profile.TryResolveAddress(topic, payloadDevice: "0", payloadSite: null, out _, out _);
    }

    /// <summary>
    /// The checks that decide whether the pack may be used at all (RFC 8428 §4.4): a label ending in
    /// '_' must be understood, and this decoder knows none; a version above 10 has semantics this
    /// decoder does not know; all records must share one version. Null when the pack may be used.
    /// </summary>
    private static Rejection? CheckPack(JsonElement root)
    {
        var index = 0;
        int? packVersion = null;
        var version = SupportedVersion;
        foreach (var record in root.EnumerateArray())
        {
            if (record.ValueKind == JsonValueKind.Object)
            {
                var versionFields = 0;
                foreach (var property in record.EnumerateObject())
                {
                    if (!TryReadLabel(property, out var label))
                    {
                        // The label cannot be read, so whether it ends in '_' (must-understand) is unknowable.
                        return new Rejection(RejectionCodes.MalformedJson, $"record {index} has a label with an unpaired UTF-16 surrogate escape");
                    }

                    if (label.EndsWith('_'))
                    {
                        return new Rejection(
                            RejectionCodes.InvalidShape,
                            $"record {index} carries label '{Shorten(label)}', which ends in '_' and so must be understood (RFC 8428 §4.4); this decoder does not know it, so the pack is not used");
                    }

                    if (label != "bver")
                    {
                        continue;
                    }

                    if (++versionFields > 1)
                    {
                        return new Rejection(RejectionCodes.InvalidShape, $"record {index} carries bver more than once");
                    }

                    if (property.Value.ValueKind != JsonValueKind.Number
                        || !property.Value.TryGetDouble(out var given)
                        || given < 1
                        || given != Math.Floor(given))
                    {
                        return new Rejection(
                            RejectionCodes.InvalidShape,
                            $"record {index}: bver ({Shorten(property.Value.GetRawText())}) must be a positive integer (RFC 8428 §4.1)");
                    }

                    if (given > SupportedVersion)
                    {
                        // RFC 8428 §4.4: a reader MUST NOT use a pack of a version larger than it understands.
                        return new Rejection(
                            RejectionCodes.UnknownFormat,
                            string.Create(CultureInfo.InvariantCulture, $"record {index} declares SenML version {given}; this decoder understands version {SupportedVersion} and below, so the pack is not used"));
                    }

                    version = (int)given;
                }

                // bver is a base field: a record without one has the version of the records before it.
                packVersion ??= version;
                if (version != packVersion)
                {
                    return new Rejection(
                        RejectionCodes.InvalidShape,
                        $"record {index} has SenML version {version} but the records before it have {packVersion}; all records of a pack must have the same version (RFC 8428 §4.4)");
                }
            }

            index++;
        }

        return null;
    }

    private static bool TryReadLabel(JsonProperty property, out string label)
    {
        try
        {
            label = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            label = string.Empty;
            return false;
        }
    }

    /// <summary>A JSON string's text; false when an unpaired surrogate escape (valid grammar, no valid text) makes it unreadable.</summary>
    private static bool TryReadText(JsonElement element, out string text)
    {
        try
        {
            text = element.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = string.Empty;
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static string Describe(JsonValueKind kind) => JsonPayload.Describe(kind);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>RFC 8428 §4.5.1: letters, digits and - : . / _, starting with a letter or digit.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9\-:./_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>
    /// Splits a resolved name into the device it names (null when nothing precedes the measurement)
    /// and the measurement, or says why it cannot be used.
    /// </summary>
    internal static bool TrySplitName(string name, out string? device, out string measurement, out string error)
    {
        device = null;
        measurement = string.Empty;
        if (IsBareDeviceUrn(name))
        {
            error = $"name '{Shorten(name)}' is a device URN without a measurement name; append one after a ':' (e.g. bn \"{Shorten(name)}:\" with n \"temperature\")";
            return false;
        }

        var cut = name.LastIndexOfAny(Separators);
        measurement = name[(cut + 1)..];
        if (measurement.Length == 0)
        {
            error = $"name '{Shorten(name)}' ends with '{name[^1]}', so it names no measurement";
            return false;
        }

        if (cut >= 0)
        {
            // "urn:dev:ow:10e2073a01080063:" → "…:10e2073a01080063" → "10e2073a01080063": the last segment of
            // the prefix is the most specific part (the serial, MAC, 1-wire address), and the only part that
            // can be a device name, since ':' and '/' are not allowed in one.
            var prefix = name[..cut].TrimEnd(Separators);
            device = prefix[(prefix.LastIndexOfAny(Separators) + 1)..];
            if (!SensorIdentifiers.IsValid(device))
            {
                error = $"name '{Shorten(name)}' names device '{Shorten(device)}', which does not match [A-Za-z0-9][A-Za-z0-9_.-]{{0,63}}";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    /// <summary>
    /// <c>urn:dev:{type}:{id}</c> and nothing more (RFC 9039 device URN, as in RFC 8428 §5.1.1 and
    /// §5.1.3, where the unit says what was measured): the last segment is the device, not a
    /// measurement. Refused with that explanation rather than decoded as metric "{id}" of device "{type}".
    /// </summary>
    private static bool IsBareDeviceUrn(string name)
    {
        if (!name.StartsWith("urn:dev:", StringComparison.OrdinalIgnoreCase) || name.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        var parts = name.Split(':');
        return parts.Length == 4 && parts[2].Length > 0 && parts[3].Length > 0;
    }

    /// <summary>
    /// RFC 8428 §4.5.3 time in seconds to an instant: relative to the receive time below 2^28, Unix
    /// seconds from there on; fractions are kept to the millisecond.
    /// </summary>
    internal static bool TryResolveTime(double seconds, DateTimeOffset receivedAt, out DateTimeOffset timestamp, out string error)
    {
        timestamp = default;
        var basisTicks = seconds < RelativeTimeLimit ? receivedAt.UtcTicks : DateTimeOffset.UnixEpoch.UtcTicks;

        // Rounded to the microsecond first: 1.276020076001e9 is a hair below its decimal as a double, and
        // truncating that straight to milliseconds would lose the 1 ms the sender wrote. Sub-millisecond
        // digits are then truncated, as for RFC 3339 times (Timestamps).
        var micros = Math.Round(seconds * 1e6);
        var ticks = Math.Abs(micros) <= MaxMicroseconds ? basisTicks + ((long)micros * TimeSpan.TicksPerMicrosecond) : long.MinValue;
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            error = $"time {Number(seconds)} s (bt + t) is outside the representable range of dates";
            return false;
        }

        timestamp = Timestamps.TruncateToMilliseconds(new DateTimeOffset(ticks, TimeSpan.Zero));
        error = string.Empty;
        return true;
    }

    /// <summary>The state of one pack as its records are read in order: base fields in force and addresses found.</summary>
    private sealed class PackDecoder(SubscriptionProfile profile, string topic, SensorAddress? topicAddress, DateTimeOffset receivedAt)
    {
        private readonly DecodeResult _result = new();
        private readonly Dictionary<string, (SensorAddress? Address, Rejection? Refused)> _devices = new(StringComparer.Ordinal);

        /// <summary>Base fields whose last setting was malformed: every record in their scope is refused for it.</summary>
        private readonly Dictionary<string, Rejection> _broken = new(StringComparer.Ordinal);

        private string _baseName = string.Empty;
        private double? _baseTime;
        private string? _baseUnit;
        private double _baseValue;

        public void Decode(JsonElement record, int index)
        {
            if (record.ValueKind != JsonValueKind.Object)
            {
                Refuse(RejectionCodes.InvalidShape, $"a record must be a JSON object, not {Describe(record.ValueKind)}", index);
                return;
            }

            var fields = new Fields();
            var duplicate = fields.Read(record);

            // Base fields first: they apply to this record too, and to the later ones even when this
            // record is refused for something else.
            var baseProblem = ApplyBaseFields(fields, index);
            if (!fields.HasRegular)
            {
                // A record of base fields only (RFC 8428 §5.1.7 opens with {"bn": …}) sets up the
                // records after it and measures nothing.
                if (baseProblem is not null)
                {
                    _result.Rejections.Add(baseProblem);
                }
                else if (!fields.HasBase)
                {
                    Refuse(RejectionCodes.InvalidShape, "the record carries no name and no value", index);
                }

                return;
            }

            if (baseProblem is not null || _broken.Count > 0)
            {
                // Any base field in doubt: the record's name, time, unit or value cannot be trusted.
                _result.Rejections.Add(baseProblem ?? _broken.Values.First() with { Record = index });
                return;
            }

            if (duplicate is not null)
            {
                Refuse(RejectionCodes.InvalidShape, $"label '{duplicate}' appears more than once in the record", index);
                return;
            }

            DecodeMeasurement(fields, index);
        }

        /// <summary>The readings, after dropping values that contradict each other.</summary>
        public DecodeResult Finish()
        {
            if (_result.Readings.Count == 0 && _result.Rejections.Count == 0)
            {
                _result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, "the pack has only base fields and no measurement"));
                return _result;
            }

            // Two records for the same series and instant with different values: which one the
            // device meant is unknowable, so neither is kept (as for a metric repeated in a native
            // record). Identical copies are kept; the store makes them one point.
            var conflicts = _result.Readings
                .GroupBy(r => (r.Address, r.Metric, r.Timestamp))
                .Where(g => g.Select(r => (r.Value, r.Unit)).Distinct().Skip(1).Any())
                .SelectMany(g => g)
                .ToHashSet(ReferenceEqualityComparer.Instance);
            foreach (var reading in _result.Readings.Where(conflicts.Contains).OrderBy(r => r.Record))
            {
                _result.Rejections.Add(new Rejection(
                    RejectionCodes.DuplicateMetric,
                    $"metric '{reading.Metric}' of device '{reading.Address.Device}' has other records with a different value at the same time",
                    reading.Record,
                    reading.Metric,
                    reading.Value));
            }

            _result.Readings.RemoveAll(conflicts.Contains);
            return _result;
        }

        /// <summary>Updates the base fields this record sets; returns the first problem among them.</summary>
        private Rejection? ApplyBaseFields(Fields fields, int index)
        {
            Rejection? first = null;
            foreach (var (label, element) in fields.Base)
            {
                var problem = label switch
                {
                    "bn" => SetBaseName(element, index),
                    "bt" => SetBaseNumber(element, index, label, RejectionCodes.InvalidTimestamp, v => _baseTime = v),
                    "bu" => SetBaseUnit(element, index),
                    "bv" => SetBaseNumber(element, index, label, RejectionCodes.ValueNotNumber, v => _baseValue = v),

                    // Sums are not stored (see DecodeMeasurement), but a malformed bs still marks the pack as broken.
                    "bs" => SetBaseNumber(element, index, label, RejectionCodes.InvalidShape, _ => { }),
                    _ => null,
                };

                if (problem is null)
                {
                    _broken.Remove(label);
                }
                else
                {
                    _broken[label] = problem with { Reason = $"{problem.Reason} (set in record {index}; it applies until a later record sets {label} again)" };
                    first ??= problem;
                }
            }

            foreach (var repeated in fields.DuplicateBase)
            {
                // Which of the two settings the sender meant is unknowable.
                var problem = new Rejection(RejectionCodes.InvalidShape, $"base field {repeated} appears more than once in the record", index);
                _broken[repeated] = problem with { Reason = $"{problem.Reason} (set in record {index}; it applies until a later record sets {repeated} again)" };
                first ??= problem;
            }

            return first;
        }

        private Rejection? SetBaseName(JsonElement element, int index)
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                return new Rejection(RejectionCodes.InvalidShape, $"bn must be a string, not {Describe(element.ValueKind)}", index);
            }

            if (!TryReadText(element, out var text))
            {
                return new Rejection(RejectionCodes.MalformedJson, "bn holds an unpaired UTF-16 surrogate escape", index);
            }

            _baseName = text;
            return null;
        }

        private Rejection? SetBaseUnit(JsonElement element, int index)
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                return new Rejection(RejectionCodes.InvalidShape, $"bu must be a string, not {Describe(element.ValueKind)}", index);
            }

            if (!TryReadText(element, out var text))
            {
                return new Rejection(RejectionCodes.MalformedJson, "bu holds an unpaired UTF-16 surrogate escape", index);
            }

            if (text.Length == 0)
            {
                return new Rejection(RejectionCodes.InvalidShape, "bu is empty; omit it when there is no unit", index);
            }

            _baseUnit = text;
            return null;
        }

        private static Rejection? SetBaseNumber(JsonElement element, int index, string label, string code, Action<double> set)
        {
            if (element.ValueKind != JsonValueKind.Number)
            {
                return new Rejection(code, $"{label} must be a number, not {Describe(element.ValueKind)}", index);
            }

            if (!element.TryGetDouble(out var value) || !double.IsFinite(value))
            {
                return new Rejection(
                    code == RejectionCodes.ValueNotNumber ? RejectionCodes.ValueNotFinite : code,
                    $"{label} ({Shorten(element.GetRawText())}) is not a finite number",
                    index);
            }

            set(value);
            return null;
        }

        private void DecodeMeasurement(Fields fields, int index)
        {
            // Name: bn + n, restricted characters, then split into device and measurement.
            var name = _baseName;
            if (fields.Name is { } n)
            {
                if (n.ValueKind != JsonValueKind.String)
                {
                    Refuse(RejectionCodes.InvalidShape, $"n must be a string, not {Describe(n.ValueKind)}", index);
                    return;
                }

                if (!TryReadText(n, out var text))
                {
                    Refuse(RejectionCodes.MalformedJson, "n holds an unpaired UTF-16 surrogate escape", index);
                    return;
                }

                name += text;
            }

            if (name.Length == 0)
            {
                Refuse(RejectionCodes.InvalidShape, "the record has no name: neither bn nor n", index);
                return;
            }

            if (!NamePattern().IsMatch(name))
            {
                Refuse(
                    RejectionCodes.InvalidShape,
                    $"name '{Shorten(name)}' (bn + n) must consist of A-Z a-z 0-9 - : . / _ and start with a letter or digit (RFC 8428 §4.5.1)",
                    index);
                return;
            }

            if (!TrySplitName(name, out var device, out var measurement, out var nameError))
            {
                Refuse(RejectionCodes.InvalidShape, nameError, index);
                return;
            }

            var metric = profile.MapField(measurement);
            if (!TryAddress(device, name, index, out var address))
            {
                return;
            }

            // Unit: u, else bu, else none (the value is then taken to be in the catalog unit).
            var unit = _baseUnit;
            if (fields.Unit is { } u)
            {
                if (u.ValueKind != JsonValueKind.String)
                {
                    Refuse(RejectionCodes.InvalidShape, $"u must be a string, not {Describe(u.ValueKind)}", index, metric);
                    return;
                }

                if (!TryReadText(u, out var text))
                {
                    Refuse(RejectionCodes.MalformedJson, "u holds an unpaired UTF-16 surrogate escape", index, metric);
                    return;
                }

                if (text.Length == 0)
                {
                    Refuse(RejectionCodes.InvalidShape, "u is empty; omit it when there is no unit", index, metric);
                    return;
                }

                unit = text;
            }

            // Value: exactly one of v, vs, vb, vd, unless there is a sum (RFC 8428 §4.2).
            if (fields.ValueLabels.Count > 1)
            {
                Refuse(RejectionCodes.InvalidShape, $"the record carries more than one value field ({string.Join(", ", fields.ValueLabels)})", index, metric);
                return;
            }

            if (fields.Sum is { } sum && sum.ValueKind != JsonValueKind.Number)
            {
                Refuse(RejectionCodes.InvalidShape, $"s must be a number, not {Describe(sum.ValueKind)}", index, metric);
                return;
            }

            if (fields.ValueLabels.Count == 0)
            {
                if (fields.Sum is null)
                {
                    Refuse(RejectionCodes.InvalidShape, "the record carries no value (v, vs, vb or vd) and no sum (s)", index, metric);
                }
                else
                {
                    // A sum is the integral of the value over time (unit × seconds): not a measurement of the metric.
                    Refuse(RejectionCodes.ValueNotNumber, $"the record for '{metric}' carries only a sum (s), which is not stored; send the value in v", index, metric);
                }

                return;
            }

            if (fields.ValueLabels[0] != "v")
            {
                var kind = fields.ValueLabels[0] switch { "vs" => "a string value (vs)", "vb" => "a boolean value (vb)", _ => "a data value (vd)" };
                Refuse(RejectionCodes.ValueNotNumber, $"the record for '{metric}' carries {kind}; only numeric values (v) are stored", index, metric);
                return;
            }

            var v = fields.Value!.Value;
            if (v.ValueKind != JsonValueKind.Number)
            {
                Refuse(RejectionCodes.ValueNotNumber, $"v of '{metric}' must be a JSON number, not {Describe(v.ValueKind)}", index, metric);
                return;
            }

            // bv + v (RFC 8428 §4.5.4); the sum may overflow where neither part does.
            if (!v.TryGetDouble(out var given) || !double.IsFinite(given) || !double.IsFinite(_baseValue + given))
            {
                Refuse(
                    RejectionCodes.ValueNotFinite,
                    string.Create(CultureInfo.InvariantCulture, $"value of '{metric}' (bv {Number(_baseValue)} + v {Shorten(v.GetRawText())}) is not a finite number"),
                    index,
                    metric);
                return;
            }

            var value = _baseValue + given;

            // Time: bt + t. With neither, the record has no time of its own: the validator's missing
            // timestamp policy decides, as for any format (RFC 8428 reads it as "now", which is what
            // the receive-time policy gives).
            DateTimeOffset? timestamp = null;
            double? time = null;
            if (fields.Time is { } t)
            {
                if (t.ValueKind != JsonValueKind.Number)
                {
                    Refuse(RejectionCodes.InvalidTimestamp, $"t must be a number of seconds, not {Describe(t.ValueKind)}", index, metric);
                    return;
                }

                time = t.TryGetDouble(out var parsed) ? parsed : double.NaN;
            }

            if (_baseTime is not null || time is not null)
            {
                var seconds = (_baseTime ?? 0) + (time ?? 0);
                if (!double.IsFinite(seconds))
                {
                    Refuse(RejectionCodes.InvalidTimestamp, "time bt + t is not a finite number of seconds", index, metric);
                    return;
                }

                if (!TryResolveTime(seconds, receivedAt, out var resolved, out var timeError))
                {
                    Refuse(RejectionCodes.InvalidTimestamp, timeError, index, metric);
                    return;
                }

                timestamp = resolved;
            }

            _result.Readings.Add(new DecodedReading(address, metric, value, timestamp, null, index, unit));
        }

        /// <summary>
        /// The address of a record. A device its name gives is checked against the topic once per pack
        /// and device (identity-mismatch when the topic names another); without one the topic's applies.
        /// </summary>
        private bool TryAddress(string? device, string name, int index, out SensorAddress address)
        {
            address = null!;
            if (device is null)
            {
                if (topicAddress is null)
                {
                    Refuse(RejectionCodes.BadTopic, $"name '{Shorten(name)}' names no device (nothing before a ':' or '/') and neither the topic nor the subscription gives one", index);
                    return false;
                }

                address = topicAddress;
                return true;
            }

            if (!_devices.TryGetValue(device, out var known))
            {
                known = profile.TryResolveAddress(topic, device, payloadSite: null, out var resolved, out var refused)
                    ? (resolved, null)
                    : (null, refused);
                _devices[device] = known;
            }

            if (known.Refused is { } rejection)
            {
                _result.Rejections.Add(rejection with { Record = index });
                return false;
            }

            address = known.Address!;
            return true;
        }

        private void Refuse(string code, string reason, int index, string? metric = null) =>
            _result.Rejections.Add(new Rejection(code, reason, index, metric));
    }

    /// <summary>The labels of one record that matter here, as read; unknown labels are ignored (RFC 8428 §4.4).</summary>
    private sealed class Fields
    {
        public List<(string Label, JsonElement Element)> Base { get; } = [];

        public List<string> ValueLabels { get; } = [];

        public List<string> DuplicateBase { get; } = [];

        public JsonElement? Name { get; private set; }

        public JsonElement? Unit { get; private set; }

        public JsonElement? Value { get; private set; }

        public JsonElement? Sum { get; private set; }

        public JsonElement? Time { get; private set; }

        /// <summary>Any base field, bver included: such a record may be a header for the ones after it.</summary>
        public bool HasBase { get; private set; }

        /// <summary>Any field that makes the record a measurement (a name, unit, value, sum or time).</summary>
        public bool HasRegular { get; private set; }

        /// <summary>Reads the record; returns a regular label that appears twice, if any.</summary>
        public string? Read(JsonElement record)
        {
            string? duplicate = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in record.EnumerateObject())
            {
                // Labels were read once already by CheckPack, so reading them cannot throw here.
                var label = property.Name;
                var value = property.Value;
                switch (label)
                {
                    case "bn" or "bt" or "bu" or "bv" or "bs":
                        HasBase = true;
                        if (seen.Add(label))
                        {
                            Base.Add((label, value));
                        }
                        else if (!DuplicateBase.Contains(label))
                        {
                            DuplicateBase.Add(label);
                            Base.RemoveAll(b => b.Label == label);
                        }

                        continue;
                    case "bver":
                        HasBase = true;
                        continue;
                    case "n":
                        Name = value;
                        break;
                    case "u":
                        Unit = value;
                        break;
                    case "v" or "vs" or "vb" or "vd":
                        if (!ValueLabels.Contains(label))
                        {
                            ValueLabels.Add(label);
                        }

                        if (label == "v")
                        {
                            Value = value;
                        }

                        break;
                    case "s":
                        Sum = value;
                        break;
                    case "t":
                        Time = value;
                        break;
                    default:
                        // ut (update time) is known but not used; any other label is an extension to ignore.
                        continue;
                }

                HasRegular = true;
                if (!seen.Add(label))
                {
                    duplicate ??= label;
                }
            }

            return duplicate;
        }
    }
}
