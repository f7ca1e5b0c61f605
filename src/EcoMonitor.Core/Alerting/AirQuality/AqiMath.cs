namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>
/// Equation 1 of both standards in exact arithmetic. The tables' concentrations are short decimals, so
/// <see cref="decimal"/> represents them and the products exactly; the division is done as an exact integer
/// quotient plus remainder, so the rounding decision never sees a representation error
/// (with doubles, CO 24-h 2.2 mg/m³ gives 55.000000000000007, which a ceiling turns into 56).
/// </summary>
public static class AqiMath
{
    /// <summary>HJ 633: "计算结果应全部向上进位取整数" — the sub-index is rounded up.</summary>
    public static int CeilingIndex(BreakpointSegment segment, decimal concentration)
    {
        var (quotient, remainder, _) = Divide(segment, concentration);
        return segment.IndexLow + quotient + (remainder > 0 ? 1 : 0);
    }

    /// <summary>
    /// EPA: "round the index to the nearest integer", with .5 going up (the TAD's own 125.5 → 126). Also used
    /// above the last row, where the TAD extrapolates equation 1 along the 301–500 row.
    /// </summary>
    public static int HalfUpIndex(BreakpointSegment segment, decimal concentration)
    {
        var (quotient, remainder, divisor) = Divide(segment, concentration);
        return segment.IndexLow + quotient + (2 * remainder >= divisor ? 1 : 0);
    }

    /// <summary>
    /// GB/T 8170-2008 §3 rounding (数值修约), which HJ 633-2026 §4.2.2 prescribes for input concentrations:
    /// "四舍六入五考虑" — a dropped 5 followed by nothing rounds to the even neighbour, so 35.5 → 36 and 34.5 → 34.
    /// </summary>
    public static decimal RoundGbT8170(decimal value, int decimals) => Math.Round(value, decimals, MidpointRounding.ToEven);

    /// <summary>EPA TAD §IV step 1: concentrations are truncated, never rounded (0.0789 ppm → 0.078).</summary>
    public static decimal Truncate(decimal value, int decimals) => Math.Round(value, decimals, MidpointRounding.ToZero);

    /// <summary>(I_Hi − I_Lo)·(C − BP_Lo) divided by (BP_Hi − BP_Lo): quotient, remainder and divisor, all exact.</summary>
    private static (int Quotient, decimal Remainder, decimal Divisor) Divide(BreakpointSegment segment, decimal concentration)
    {
        var numerator = (segment.IndexHigh - segment.IndexLow) * (concentration - segment.Low);
        var divisor = segment.High - segment.Low;
        var remainder = numerator % divisor;
        return ((int)((numerator - remainder) / divisor), remainder, divisor);
    }
}
