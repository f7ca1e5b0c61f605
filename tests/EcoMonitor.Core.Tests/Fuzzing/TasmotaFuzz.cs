using System.Globalization;
using System.Text;
using CsCheck;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Random and mutated Tasmota payloads for the decoder contract's fuzz properties, with a member
/// and byte mutator of their own. Fixed receive times; no wall clock.
/// </summary>
internal sealed class TasmotaFuzz : FormatFuzz
{
    /// <summary>Valid payloads in the shapes Tasmota sends, starting points for mutation.</summary>
    private static readonly string[] Seeds =
    [
        """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0},"SDS0X1":{"PM2.5":11.8,"PM10":5.8},"PressureUnit":"hPa","TempUnit":"C"}""",
        """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":68.9,"Humidity":53.1,"DewPoint":51.1,"Pressure":977.0},"SDS0X1":{"PM2.5":3.1,"PM10":5.8},"PressureUnit":"hPa","TempUnit":"F"}""",
        """{"StatusSNS":{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0},"PressureUnit":"hPa","TempUnit":"C"}}""",
        """{"Time":"2023-05-21T01:06:38","DS18B20-1":{"Id":"01131B8E8DAA","Temperature":21.3},"DS18B20-2":{"Id":"0316A27905FF","Temperature":19.8},"TempUnit":"C"}""",
        """{"Time":"2020-02-27T03:27:22","PMS5003":{"CF1":0,"CF2.5":1,"CF10":1,"PM1":0,"PM2.5":1,"PM10":1,"PB0.3":0,"PB0.5":0,"PB1":0,"PB2.5":0,"PB5":0,"PB10":0}}""",
        """{"Time":"2025-10-26T02:30:00","Epoch":1761442200,"ESP32":{"Temperature":52.8},"SCD30":{"CarbonDioxide":612,"eCO2":598,"Temperature":21.2,"Humidity":44.0,"DewPoint":8.5},"TempUnit":"C"}""",
        """{"Time":1684602398,"SHT3X":{"Temperature":20.9,"Humidity":51.0,"DewPoint":10.3},"Global":{"Temperature":20.9,"Humidity":51.0},"TempUnit":"C"}""",
        """{"Time":"2023-05-21T01:06:38.123+08:00","BMP280":{"Temperature":20.5,"Pressure":733.0,"SeaPressure":759.2},"PressureUnit":"mmHg","TempUnit":"C"}""",
        """{"Time":"2025-03-30T02:30:00","AM2301":{"Temperature":null,"Humidity":null,"DewPoint":null},"Switch1":"ON","TempUnit":"C"}""",
        """{"Time":"2023-05-21T01:06:38","Uptime":"0T00:05:00","UptimeSec":300,"Heap":25,"Wifi":{"AP":1,"SSId":"net","RSSI":100,"Signal":-50}}""",
    ];

    private static readonly string[] Topics =
    [
        "tele/tasmota_0A1B2C/SENSOR",
        "tele/tasmota_0A1B2C/STATE",
        "stat/tasmota_0A1B2C/STATUS8",
        "tele/bad device/SENSOR",
        "tele//SENSOR",
        "tele/x",
        string.Empty,
        "tele/" + new string('n', 70) + "/SENSOR",
    ];

    private static readonly DateTimeOffset[] ReceiveTimes =
    [
        new(2023, 5, 20, 17, 7, 8, TimeSpan.Zero),
        new(2025, 10, 26, 1, 0, 0, TimeSpan.Zero),
        new(2025, 3, 30, 1, 0, 0, TimeSpan.Zero),
    ];

    private static readonly SubscriptionProfile[] Profiles =
    [
        Profile(TasmotaDecoder.FormatName, "Asia/Shanghai", "tele/{device}/SENSOR", SensorKind.Air, []),
        Profile(TasmotaDecoder.FormatName, "Europe/Berlin", "+/{device}/+", SensorKind.Water, new()
        {
            ["BME280.Temperature"] = "-",
            ["eCO2"] = "co2",
            ["ESP32.Temperature"] = "temperature",
            ["pm25"] = "pm1",
            ["X.Y"] = string.Empty,
            ["Id"] = "ph",
        }),
        Profile(PayloadFormats.Auto, "Europe/Berlin", "tele/{device}/+", SensorKind.Air, []),
        Profile(TasmotaDecoder.FormatName, "Etc/UTC", "{site}/{device}/+", SensorKind.Soil, []),
    ];

    private static readonly DecoderLimits Limits = new();

    private static readonly MessageIngestor[] Ingestors =
    [
        Ingestor(new ValidationOptions()),
        Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime }),
    ];

    private static readonly string[] Names =
    [
        "Time", "Epoch", "TempUnit", "PressureUnit", "StatusSNS", "BME280", "SHT3X", "DS18B20-1", "DS18B20-2", "SDS0X1",
        "PMS5003", "Global", "ESP32", "Wifi", "UptimeSec", "Temperature", "Humidity", "Pressure", "SeaPressure", "DewPoint",
        "PM1", "PM2.5", "PM10", "CarbonDioxide", "CO2", "eCO2", "Id", "CF1", "X", "Y", "",
    ];

    private static readonly string[] NumberLiterals =
    [
        "0", "-0", "20.5", "977.0", "11.8", "1e999", "-1e999", "1e308", "-1.7976931348623157e308", "4.9e-324",
        "99999999999999999999999", "1684602398", "1761442200", "-62135596801", "253402300800", "1.5", "1E2", "-40",
    ];

    /// <summary>Odd text as JSON string contents (escapes stay escapes).</summary>
    private static readonly string[] OddStrings =
    [
        @"\ud800", @"\udfff", @"\ud83d\ude00", @"\u0000", "\u202E\u0301", "😀", "٢٠٢٣-05-21T01:06:38", "гПа", "°C", "ℂ",
        "2023-05-21T01:06:38", "2025-03-30T02:30:00", "2025-10-26T02:30:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00",
        "1970-01-01T00:00:15", "2023-05-21T01:06:38.123456789", "2023-05-21T01:06:38+14:00", "2023-05-21T01:06:38-23:59",
        "2023-02-29T00:00:00", "C", "F", "K", "hPa", "mmHg", "inHg", "", " ", @"\\", @"\""",
    ];

    private static readonly string[] Insertions =
    [
        "{", "}", "[", "]", "\"", ",", ":", "null", "1e999", "\\ud800", "\"Temperature\":1,", "{\"BME280\":{}}",
        "\"Time\":\"2023-05-21T01:06:38\",", "\u00e9", "\ud83d\ude00", "\u0000", "\t", "-", ".", "e",
    ];

    private static SubscriptionProfile Profile(string format, string zone, string topic, SensorKind kind, Dictionary<string, string> fieldMap) => new()
    {
        Format = format,
        Topic = TopicPattern.Parse(topic),
        Kind = kind,
        Site = "campus",
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone),
        FieldMap = new Dictionary<string, string>(fieldMap, StringComparer.OrdinalIgnoreCase),
    };

    private static MessageIngestor Ingestor(ValidationOptions options) => FuzzHarness.Ingestor(options, Limits);

    /// <summary>Which message, for which subscription, when: mostly on a SENSOR topic, so that most of them reach the payload.</summary>
    private static readonly Gen<FuzzCase> Context =
        Gen.Select(
            Gen.Frequency((12, Gen.Const(0)), (1, Gen.Int[1, Topics.Length - 1])),
            Gen.Int[0, Profiles.Length - 1],
            Gen.Int[0, Ingestors.Length - 1],
            Gen.Int[0, ReceiveTimes.Length - 1],
            (topic, profile, ingestor, received) => new FuzzCase(Topics[topic], ReceiveTimes[received], Profiles[profile], Ingestors[ingestor], Limits));

    // ---- random payloads ------------------------------------------------------------------

    private static readonly Gen<string> Name = Gen.Frequency(
        (8, Gen.OneOf(Names)),
        (1, Gen.String[0, 12].Select(FuzzHarness.Escape)));

    /// <summary>Mostly times near the receive times (and their DST changes), some anywhere in 0000–9999.</summary>
    private static readonly Gen<string> TimeText =
        Gen.Select(
            Gen.Frequency(
                (6, Gen.OneOf("2023-05-21T01:06:38", "2023-05-21T01:07:00", "2025-10-26T02:30:00", "2025-10-26T03:00:00", "2025-03-30T02:30:00", "2025-03-30T02:59:59")),
                (2, Gen.Select(Gen.Int[0, 10_000], Gen.Int[0, 13], Gen.Int[0, 32], Gen.Int[0, 25], Gen.Int[0, 60], Gen.Int[0, 60])
                    .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Item1:0000}-{t.Item2:00}-{t.Item3:00}T{t.Item4:00}:{t.Item5:00}:{t.Item6:00}")))),
            Gen.Int[0, 6],
            Gen.Int[0, 7])
            .Select(t =>
            {
                var text = t.Item1;
                if (t.Item2 > 3)
                {
                    text += "." + new string('7', t.Item2);
                }

                return text + t.Item3 switch
                {
                    0 => "Z",
                    1 => "+08:00",
                    2 => "-05:30",
                    _ => string.Empty,
                };
            });

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (6, Gen.OneOf(NumberLiterals)),
        (4, Gen.Double[-2000, 2000].Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (2, Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture))),
        (3, TimeText.Select(t => "\"" + t + "\"")),
        (3, Gen.OneOf(OddStrings).Select(s => "\"" + s + "\"")),
        (1, Gen.String[0, 20].Select(s => "\"" + FuzzHarness.Escape(s) + "\"")),
        (2, Gen.OneOf("null", "true", "false")));

    /// <summary>Sensor values: mostly plausible numbers, so that many messages get as far as validation.</summary>
    private static readonly Gen<string> FieldValue = Gen.Frequency(
        (6, Gen.Double[0, 1000].Select(d => Math.Round(d, 1).ToString("R", CultureInfo.InvariantCulture))),
        (2, Gen.OneOf(NumberLiterals)),
        (1, Scalar));

    private static readonly Gen<string> Json = Gen.Recursive<string>((depth, json) =>
    {
        if (depth >= 3)
        {
            return Scalar;
        }

        var member = Gen.Select(Name, json, (k, v) => "\"" + k + "\":" + v);
        var obj = member.Array[0, 6].Select(m => "{" + string.Join(',', m) + "}");
        var array = json.Array[0, 4].Select(a => "[" + string.Join(',', a) + "]");
        return Gen.Frequency((4, Scalar), (4, obj), (1, array));
    });

    /// <summary>A SENSOR-shaped object: Time, sensors of named fields, units, sometimes wrapped.</summary>
    private static readonly Gen<string> SensorShaped =
        Gen.Select(
            Gen.Frequency((8, TimeText.Select(t => "\"Time\":\"" + t + "\"")), (2, Scalar.Select(s => "\"Time\":" + s)), (2, Gen.Const(string.Empty))),
            Gen.Select(Gen.OneOf(Names), Gen.Select(Gen.OneOf(Names), FieldValue, (k, v) => "\"" + k + "\":" + v).Array[0, 6])
                .Select(s => "\"" + s.Item1 + "\":{" + string.Join(',', s.Item2) + "}")
                .Array[0, 4],
            Gen.Frequency((3, Gen.Const(string.Empty)), (1, Scalar.Select(s => "\"Epoch\":" + s))),
            Gen.Frequency((3, Gen.OneOf("\"TempUnit\":\"C\"", "\"TempUnit\":\"F\"")), (1, Scalar.Select(s => "\"TempUnit\":" + s)), (1, Gen.Const(string.Empty))),
            Gen.Frequency((3, Gen.Const("\"PressureUnit\":\"hPa\"")), (1, Scalar.Select(s => "\"PressureUnit\":" + s)), (1, Gen.Const(string.Empty))),
            Gen.Int[0, 9],
            (time, sensors, epoch, temp, pressure, wrap) =>
            {
                var body = "{" + string.Join(',', new[] { time, epoch }.Concat(sensors).Append(temp).Append(pressure).Where(p => p.Length > 0)) + "}";
                return wrap == 0 ? "{\"StatusSNS\":" + body + "}" : body;
            });

    private static readonly Gen<byte[]> RandomPayload = Gen.Frequency(
        (5, SensorShaped.Select(Encoding.UTF8.GetBytes)),
        (3, Json.Select(Encoding.UTF8.GetBytes)),
        (2, Gen.Byte.Array[0, 160]));

    // ---- mutated payloads -----------------------------------------------------------------

    /// <summary>One edit: an operation (JSON-level ones twice as often as byte-level) and three numbers that pick where and what.</summary>
    private static readonly Gen<(int Op, int A, int B, int C)> Edit =
        Gen.Select(Gen.Frequency((2, Gen.Int[0, 5]), (1, Gen.Int[6, 11])), Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]);

    private static readonly Gen<string> Seed = Gen.Frequency((3, Gen.OneOf(Seeds)), (1, SensorShaped));

    public override Gen<byte[]> RandomPayloads => RandomPayload;

    public override Gen<byte[]> MutatedPayloads => Gen.Select(Seed, Edit.Array[1, 4], Mutate);

    public override Gen<FuzzCase> Cases => Context;

    public override IReadOnlySet<string> Outcomes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "malformed-json", "invalid-shape", "bad-topic", "unknown-metric", "value-not-finite", "out-of-range", "missing-timestamp",
        "invalid-timestamp", "timestamp-in-future", "timestamp-too-old", "duplicate-metric", "unknown-unit", "pm25-above-pm10",
    };

    /// <summary>Most payloads carry a time far from the receive times (to reach the time rules), so fewer readings get through.</summary>
    public override int MinimumAccepted => 100;

    /// <summary>Each of the twelve edits changes the seed.</summary>
    public override void AssertMutatorChanges()
    {
        var changed = 0;
        for (var op = 0; op < 12; op++)
        {
            var edited = Mutate(Seeds[0], [(op, 17, 5, 3)]);
            if (!edited.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(Seeds[0])))
            {
                changed++;
            }
        }

        Assert.Equal(12, changed);
    }

    private static byte[] Mutate(string seed, (int Op, int A, int B, int C)[] edits)
    {
        var text = seed;
        var bytes = Encoding.UTF8.GetBytes(text);
        var asText = true;
        foreach (var (op, a, b, c) in edits)
        {
            if (op < 6)
            {
                if (!asText)
                {
                    // JSON-level edits after a byte edit work on whatever text the bytes still decode to.
                    text = Encoding.UTF8.GetString(bytes);
                    asText = true;
                }

                text = MutateText(text, op, a, b, c);
            }
            else
            {
                if (asText)
                {
                    bytes = Encoding.UTF8.GetBytes(text);
                    asText = false;
                }

                bytes = MutateBytes(bytes, op, a, b, c);
            }
        }

        return asText ? Encoding.UTF8.GetBytes(text) : bytes;
    }

    /// <summary>Edits on JSON members: delete, duplicate, swap the type, blow up a number, odd unicode, rename.</summary>
    private static string MutateText(string text, int op, int a, int b, int c)
    {
        var members = JsonPayloadFuzzer.Member().Matches(text);
        if (members.Count == 0)
        {
            return text + Insertions[c % Insertions.Length];
        }

        var m = members[a % members.Count];
        var name = m.Groups["name"];
        var value = m.Groups["value"];
        return op switch
        {
            // Field deletion (with its comma when it has one after it).
            0 => text.Remove(m.Index, m.Length + (m.Index + m.Length < text.Length && text[m.Index + m.Length] == ',' ? 1 : 0)),

            // Field duplication: the same key twice in one object.
            1 => text.Insert(m.Index + m.Length, "," + m.Value),

            // Type swap.
            2 => JsonPayloadFuzzer.Replace(text, value, NumberLiterals.Concat(["null", "true", "false", "\"20.5\"", "{}", "[]", "[20.5]", "{\"v\":1}"]).ElementAt(b % (NumberLiterals.Length + 8))),

            // Huge and tiny numbers.
            3 => JsonPayloadFuzzer.Replace(text, value, new[] { "1e999", "-1e999", "1e308", "4.9e-324", "123456789012345678901234567890", "-0.0", "1E+400" }[b % 7]),

            // Odd unicode in a string value or a name.
            4 => b % 2 == 0
                ? JsonPayloadFuzzer.Replace(text, value, "\"" + OddStrings[c % OddStrings.Length] + "\"")
                : text.Remove(name.Index, name.Length).Insert(name.Index, OddStrings[c % OddStrings.Length]),

            // Rename to another known name (moves values between sensors, units, time).
            _ => text.Remove(name.Index, name.Length).Insert(name.Index, Names[b % Names.Length]),
        };
    }

    /// <summary>Byte-level edits: flips, truncation, insertion, deletion and duplication of ranges.</summary>
    private static byte[] MutateBytes(byte[] bytes, int op, int a, int b, int c)
    {
        var list = new List<byte>(bytes);
        var at = list.Count == 0 ? 0 : a % (list.Count + 1);
        switch (op)
        {
            case 6 when list.Count > 0:
                list[a % list.Count] ^= (byte)(1 + (b % 255));
                break;
            case 7:
                list.RemoveRange(at, list.Count - at);
                break;
            case 8:
                list.InsertRange(at, Encoding.UTF8.GetBytes(Insertions[b % Insertions.Length]));
                break;
            case 9 when list.Count > 0:
                list.RemoveRange(a % list.Count, Math.Min(1 + (b % 16), list.Count - (a % list.Count)));
                break;
            case 10 when list.Count > 0:
                var start = a % list.Count;
                var slice = list.GetRange(start, Math.Min(1 + (b % 32), list.Count - start));
                list.InsertRange(c % (list.Count + 1), slice);
                break;
            default:
                list.Insert(at, (byte)(b % 256));
                break;
        }

        return [.. list];
    }
}
