using EcoMonitor.Core.Alerting.AirQuality;
using Xunit;

namespace EcoMonitor.Core.Tests.Alerting.AirQuality;

/// <summary>
/// The tables again, transcribed independently from HJ 633-2026 Table 3 and EPA TAD 2024 Table 6, and equation 1 in
/// scaled integers: the expected values of the edge tests do not come from the code under test.
/// </summary>
internal static class AqiTestSupport
{
    public static readonly int[] HjIndices = [0, 50, 100, 150, 200, 300, 400, 500];

    /// <summary>Name, scale (10 for CO in mg/m³ at one decimal, 1 otherwise), concentrations at <see cref="HjIndices"/>.</summary>
    public static IEnumerable<(string Name, int Scale, decimal[] Breakpoints)> HjTable(AqiStandard version)
    {
        var is2026 = version == AqiStandard.Hj633_2026;
        decimal[] pm25 = is2026 ? [0, 35, 60, 115, 150, 250, 350, 500] : [0, 35, 75, 115, 150, 250, 350, 500];
        decimal[] pm10 = is2026 ? [0, 50, 120, 250, 350, 420, 500, 600] : [0, 50, 150, 250, 350, 420, 500, 600];
        yield return ("pm25_24h", 1, pm25);
        yield return ("pm10_24h", 1, pm10);
        yield return ("so2_24h", 1, [0, 50, 150, 475, 800, 1600, 2100, 2620]);
        yield return ("so2_1h", 1, [0, 150, 500, 650, 800]);
        yield return ("no2_24h", 1, [0, 40, 80, 180, 280, 565, 750, 940]);
        yield return ("no2_1h", 1, [0, 100, 200, 700, 1200, 2340, 3090, 3840]);
        yield return ("co_24h", 10, [0, 2, 4, 14, 24, 36, 48, 60]);
        yield return ("co_1h", 10, [0, 5, 10, 35, 60, 90, 120, 150]);
        yield return ("o3_1h", 1, [0, 160, 200, 300, 400, 800, 1000, 1200]);
        yield return ("o3_8h", 1, [0, 100, 160, 215, 265, 800]);
        if (is2026)
        {
            yield return ("pm25_1h", 1, pm25);
            yield return ("pm10_1h", 1, pm10);
        }
    }

    /// <summary>EPA Table 6 rows: name, scale of the truncation precision, (BP_Lo, BP_Hi, I_Lo, I_Hi).</summary>
    public static IEnumerable<(string Name, int Scale, (decimal Lo, decimal Hi, int ILo, int IHi)[] Rows)> EpaTable()
    {
        yield return ("pm25_24h", 10, [(0.0m, 9.0m, 0, 50), (9.1m, 35.4m, 51, 100), (35.5m, 55.4m, 101, 150), (55.5m, 125.4m, 151, 200), (125.5m, 225.4m, 201, 300), (225.5m, 325.4m, 301, 500)]);
        yield return ("pm10_24h", 1, [(0m, 54m, 0, 50), (55m, 154m, 51, 100), (155m, 254m, 101, 150), (255m, 354m, 151, 200), (355m, 424m, 201, 300), (425m, 604m, 301, 500)]);
        yield return ("o3_8h", 1000, [(0.000m, 0.054m, 0, 50), (0.055m, 0.070m, 51, 100), (0.071m, 0.085m, 101, 150), (0.086m, 0.105m, 151, 200), (0.106m, 0.200m, 201, 300)]);
        yield return ("o3_1h", 1000, [(0.125m, 0.164m, 101, 150), (0.165m, 0.204m, 151, 200), (0.205m, 0.404m, 201, 300), (0.405m, 0.604m, 301, 500)]);
        yield return ("co_8h", 10, [(0.0m, 4.4m, 0, 50), (4.5m, 9.4m, 51, 100), (9.5m, 12.4m, 101, 150), (12.5m, 15.4m, 151, 200), (15.5m, 30.4m, 201, 300), (30.5m, 50.4m, 301, 500)]);
        yield return ("so2_1h", 1, [(0m, 35m, 0, 50), (36m, 75m, 51, 100), (76m, 185m, 101, 150), (186m, 304m, 151, 200)]);
        yield return ("so2_24h", 1, [(305m, 604m, 201, 300), (605m, 1004m, 301, 500)]);
        yield return ("no2_1h", 1, [(0m, 53m, 0, 50), (54m, 100m, 51, 100), (101m, 360m, 101, 150), (361m, 649m, 151, 200), (650m, 1249m, 201, 300), (1250m, 2049m, 301, 500)]);
    }

    /// <summary>Equation 1 on integers scaled by <paramref name="scale"/>, rounded up (HJ 633).</summary>
    public static int Ceiling(decimal c, decimal lo, decimal hi, int iLo, int iHi, int scale)
    {
        var (num, den) = Fraction(c, lo, hi, iLo, iHi, scale);
        return iLo + (int)((num + den - 1) / den);
    }

    /// <summary>Equation 1 on integers scaled by <paramref name="scale"/>, rounded half up (EPA).</summary>
    public static int HalfUp(decimal c, decimal lo, decimal hi, int iLo, int iHi, int scale)
    {
        var (num, den) = Fraction(c, lo, hi, iLo, iHi, scale);
        return iLo + (int)(num / den) + (2 * (num % den) >= den ? 1 : 0);
    }

    public static AqiResult Calc(AqiStandard standard, params (string Name, decimal Value)[] inputs) =>
        AqiCalculator.Calculate(standard, inputs.Select(i => new KeyValuePair<string, decimal>(i.Name, i.Value)));

    public static AqiSubIndex One(AqiStandard standard, string name, decimal value) => Calc(standard, (name, value))[name];

    private static (long Num, long Den) Fraction(decimal c, decimal lo, decimal hi, int iLo, int iHi, int scale)
    {
        var cs = checked((long)(c * scale));
        var los = checked((long)(lo * scale));
        var his = checked((long)(hi * scale));
        Assert.Equal(c * scale, cs); // the test only feeds values at the scale's precision
        return ((long)(iHi - iLo) * (cs - los), his - los);
    }
}
