using System.Globalization;
using CsCheck;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>A model check of SenML: random well-formed packs resolve as RFC 8428's rules say, computed independently.</summary>
public sealed class SenmlModelTests
{
    private static readonly SenmlDecoder Decoder = new();

    private static readonly (string Bn, string Device)[] BaseNames =
        [("urn:dev:mac:0024befffe804ff1:", "0024befffe804ff1"), ("gw-2/", "gw-2"), ("site/node_3:", "node_3")];

    private static readonly string[] Measurements = ["pm25", "pm10", "temperature", "humidity", "co2"];

    private static readonly double[] BaseTimes = [0, 1_764_316_800, -60, 1.276020076001e9];

    private static readonly SubscriptionProfile ModelProfile =
        new() { Format = SenmlDecoder.FormatName, Topic = TopicPattern.Parse("gw/{site}/{kind}"), Device = "fixed-0" };

    /// <summary>
    /// A pack of well-formed records with random base fields, and the readings RFC 8428 §4 says it
    /// holds, computed independently: name = bn + n, unit = u or bu, value = bv + v, time = bt + t
    /// (relative to the receive time below 2^28). Times differ per record, so nothing conflicts.
    /// </summary>
    private static (string Pack, List<(string Device, string Metric, double Value, string? Unit, long Ms, int Record)> Expected) WellFormed(int seed)
    {
        var random = new Random(seed);
        var records = new List<string>();
        var expected = new List<(string, string, double, string?, long, int)>();
        string? device = null;
        double bt = 0, bv = 0;
        string? bu = null;
        var count = random.Next(1, 11);
        for (var i = 0; i < count; i++)
        {
            var fields = new List<string>();
            if (random.Next(3) == 0)
            {
                var (bn, named) = BaseNames[random.Next(BaseNames.Length)];
                fields.Add($"\"bn\":\"{bn}\"");
                device = named;
            }

            if (random.Next(3) == 0)
            {
                bt = BaseTimes[random.Next(BaseTimes.Length)];
                fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"bt\":{bt:R}"));
            }

            if (random.Next(3) == 0)
            {
                bu = random.Next(2) == 0 ? "ug/m3" : "Cel";
                fields.Add($"\"bu\":\"{bu}\"");
            }

            if (random.Next(3) == 0)
            {
                bv = Math.Round((random.NextDouble() - 0.5) * 200, 2);
                fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"bv\":{bv:R}"));
            }

            var metric = Measurements[random.Next(Measurements.Length)];
            fields.Add($"\"n\":\"{metric}\"");
            string? unit = bu;
            if (random.Next(3) == 0)
            {
                unit = random.Next(2) == 0 ? "%RH" : "hPa";
                fields.Add($"\"u\":\"{unit}\"");
            }

            var v = Math.Round((random.NextDouble() - 0.5) * 2000, 3);
            fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"v\":{v:R}"));
            var t = -(i + 1);
            fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"t\":{t}"));
            if (random.Next(4) == 0)
            {
                fields.Add("\"ut\":300,\"ext\":{\"a\":[1,2]}");
            }

            // Shuffle the labels: their order within a record carries no meaning.
            records.Add("{" + string.Join(',', fields.OrderBy(_ => random.Next())) + "}");

            var seconds = bt + t;
            var ms = seconds < 268_435_456
                ? Samples.ReceivedAt.ToUnixTimeMilliseconds() + (long)(seconds * 1000)
                : (long)Math.Round(seconds * 1000);
            expected.Add((device ?? "fixed-0", metric, bv + v, unit, ms, i));
        }

        return ("[" + string.Join(',', records) + "]", expected);
    }

    [Fact]
    public void Well_formed_packs_resolve_base_fields_as_rfc_8428_says()
    {
        Gen.Int.Sample(
            seed =>
            {
                var (pack, expected) = WellFormed(seed);
                var result = Decoder.Decode(new DecodeContext(Samples.Message(pack, "gw/s1/air"), ModelProfile, new DecoderLimits()));

                var actual = result.Readings
                    .Select(r => (r.Address.Device, r.Metric, r.Value, r.Unit, r.Timestamp!.Value.ToUnixTimeMilliseconds(), r.Record))
                    .ToList();

                // Compared cheaply first; Assert.Equal only to describe a difference.
                if (result.Rejections.Count > 0 || !actual.SequenceEqual(expected))
                {
                    Assert.Empty(result.Rejections);
                    Assert.Equal(expected, actual);
                }

                Assert.True(result.Readings.TrueForAll(r => r.Address is { Site: "s1", Kind: SensorKind.Air }));
            },
            iter: 20_000,
            print: seed => WellFormed(seed).Pack);
    }
}
