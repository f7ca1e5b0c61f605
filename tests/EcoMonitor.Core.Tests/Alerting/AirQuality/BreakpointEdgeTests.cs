using EcoMonitor.Core.Alerting.AirQuality;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.AirQuality.AqiTestSupport;

namespace EcoMonitor.Core.Tests.Alerting.AirQuality;

/// <summary>
/// Every breakpoint of every pollutant of the three standards: at BP_Lo and BP_Hi of each segment the index is
/// the table's exactly, and one unit inside each end it is what the standard's rounding (HJ ceiling, EPA half up,
/// EPA input truncation) makes of equation 1.
/// </summary>
public sealed class BreakpointEdgeTests
{
    public static TheoryData<AqiStandard, string, decimal, int> HjEdges()
    {
        var data = new TheoryData<AqiStandard, string, decimal, int>();
        foreach (var version in new[] { AqiStandard.Hj633_2026, AqiStandard.Hj633_2012 })
        {
            foreach (var (name, scale, bp) in HjTable(version))
            {
                var unit = 1m / scale;
                for (var i = 0; i < bp.Length; i++)
                {
                    data.Add(version, name, bp[i], HjIndices[i]);
                    if (i > 0)
                    {
                        data.Add(version, name, bp[i] - unit, Ceiling(bp[i] - unit, bp[i - 1], bp[i], HjIndices[i - 1], HjIndices[i], scale));
                    }

                    if (i < bp.Length - 1)
                    {
                        data.Add(version, name, bp[i] + unit, Ceiling(bp[i] + unit, bp[i], bp[i + 1], HjIndices[i], HjIndices[i + 1], scale));
                    }
                }
            }
        }

        return data;
    }

    public static TheoryData<string, decimal, int> EpaEdges()
    {
        var data = new TheoryData<string, decimal, int>();
        foreach (var (name, scale, rows) in EpaTable())
        {
            var unit = 1m / scale;
            foreach (var (lo, hi, iLo, iHi) in rows)
            {
                data.Add(name, lo, iLo);
                data.Add(name, hi, iHi);
                data.Add(name, lo + unit, HalfUp(lo + unit, lo, hi, iLo, iHi, scale));
                data.Add(name, hi - unit, HalfUp(hi - unit, lo, hi, iLo, iHi, scale));

                // Truncation, not rounding: nine tenths of a unit above BP_Hi is still BP_Hi.
                data.Add(name, hi + (unit * 0.9m), iHi);
                data.Add(name, lo + (unit * 0.9m), iLo);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HjEdges))]
    public void HJ_633_edges(AqiStandard version, string name, decimal concentration, int iaqi)
    {
        var sub = One(version, name, concentration);

        Assert.Equal(iaqi, sub.Iaqi);
    }

    [Theory]
    [MemberData(nameof(EpaEdges))]
    public void EPA_2024_edges(string name, decimal concentration, int index)
    {
        var sub = One(AqiStandard.Epa2024, name, concentration);

        Assert.Equal(index, sub.Iaqi);
    }

    [Fact]
    public void The_tables_under_test_are_the_tables_of_the_code()
    {
        // Guards the transcription on both sides: same names, same breakpoints, same order as docs/cli.md#aqi-inputs.
        foreach (var version in new[] { AqiStandard.Hj633_2026, AqiStandard.Hj633_2012 })
        {
            var expected = HjTable(version).ToList();
            var actual = AqiBreakpoints.For(version);
            Assert.Equal(expected.Select(e => e.Name), actual.Select(p => p.Name));
            foreach (var ((_, _, bp), pollutant) in expected.Zip(actual))
            {
                Assert.Equal(bp, pollutant.Segments.Select(s => s.High).Prepend(pollutant.Segments[0].Low));
                Assert.Equal(HjIndices.Take(bp.Length), pollutant.Segments.Select(s => s.IndexHigh).Prepend(pollutant.Segments[0].IndexLow));
            }
        }

        var epa = EpaTable().ToList();
        Assert.Equal(["pm25_24h", "pm10_24h", "o3_8h", "o3_1h", "co_8h", "so2_1h", "so2_24h", "no2_1h"], AqiBreakpoints.Epa2024.Select(p => p.Name));
        foreach (var ((_, _, rows), pollutant) in epa.Zip(AqiBreakpoints.Epa2024))
        {
            Assert.Equal(rows.Select(r => new BreakpointSegment(r.Lo, r.Hi, r.ILo, r.IHi)), pollutant.Segments);
        }
    }

    [Fact]
    public void DESIGN_input_names_per_standard()
    {
        Assert.Equal(
            ["pm25_24h", "pm10_24h", "so2_24h", "so2_1h", "no2_24h", "no2_1h", "co_24h", "co_1h", "o3_1h", "o3_8h", "pm25_1h", "pm10_1h"],
            AqiCalculator.For(AqiStandard.Hj633_2026).Pollutants.Select(p => p.Name));
        Assert.Equal(
            ["pm25_24h", "pm10_24h", "so2_24h", "so2_1h", "no2_24h", "no2_1h", "co_24h", "co_1h", "o3_1h", "o3_8h"],
            AqiCalculator.For(AqiStandard.Hj633_2012).Pollutants.Select(p => p.Name));
        Assert.Equal(
            ["pm25_24h", "pm10_24h", "o3_8h", "o3_1h", "co_8h", "so2_1h", "so2_24h", "no2_1h"],
            AqiCalculator.For(AqiStandard.Epa2024).Pollutants.Select(p => p.Name));
    }

    /// <summary>A few of the generated cases by hand, so a wrong generator could not hide a wrong table.</summary>
    [Theory]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "36", 52)]    // 50 + 50/25·1 = 52
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "59", 98)]    // 50 + 2·24
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "61", 101)]   // 100 + 50/55 = 100.91
    [InlineData(AqiStandard.Hj633_2012, "pm25_24h", "36", 52)]    // 50 + 50/40 = 51.25
    [InlineData(AqiStandard.Hj633_2012, "pm25_24h", "74", 99)]    // 100 − 1.25 = 98.75
    [InlineData(AqiStandard.Hj633_2012, "pm10_24h", "51", 51)]    // 50 + 0.5 = 50.5
    [InlineData(AqiStandard.Hj633_2026, "pm10_24h", "121", 101)]  // 100 + 50/130 = 100.38
    [InlineData(AqiStandard.Hj633_2026, "pm10_24h", "119", 100)]  // 100 − 50/70 = 99.29
    [InlineData(AqiStandard.Hj633_2026, "co_24h", "2.1", 53)]     // 50 + 25·0.1 = 52.5
    [InlineData(AqiStandard.Hj633_2026, "o3_8h", "799", 300)]     // 300 − 100/535 = 299.81
    [InlineData(AqiStandard.Hj633_2012, "so2_1h", "799", 200)]    // 200 − 50/150 = 199.67
    [InlineData(AqiStandard.Hj633_2012, "no2_1h", "3839", 500)]   // 500 − 100/750 = 499.87
    public void Edges_by_hand(AqiStandard version, string name, string concentration, int iaqi) =>
        Assert.Equal(iaqi, One(version, name, decimal.Parse(concentration, System.Globalization.CultureInfo.InvariantCulture)).Iaqi);
}
