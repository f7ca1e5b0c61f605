namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>
/// HJ 633—2026 and HJ 633—2012. They share the formula (eq. 1, rounded up) and the table except the IAQI-100
/// PM breakpoints, and differ in the input rounding, the PM 1-h inputs and the two over-800 rules.
/// </summary>
public sealed class Hj633Calculator : IAqiCalculator
{
    private const decimal OverRuleLimit = 800m;

    public Hj633Calculator(AqiStandard standard)
    {
        if (standard is not (AqiStandard.Hj633_2026 or AqiStandard.Hj633_2012))
        {
            throw new ArgumentOutOfRangeException(nameof(standard), standard, "not an HJ 633 version");
        }

        Standard = standard;
        Pollutants = AqiBreakpoints.For(standard);
    }

    public AqiStandard Standard { get; }

    public IReadOnlyList<AqiPollutant> Pollutants { get; }

    private bool Is2026 => Standard == AqiStandard.Hj633_2026;

    public AqiResult Calculate(IEnumerable<KeyValuePair<string, decimal>> concentrations)
    {
        var inputs = AqiCalculator.Resolve(Standard, Pollutants, concentrations);
        return AqiCalculator.Assemble(Standard, [.. inputs.Select(i => Index(i.Pollutant, i.Concentration))]);
    }

    private AqiSubIndex Index(AqiPollutant pollutant, decimal given)
    {
        // 2026 §4.2.2: integers for µg/m³, one decimal for CO, by GB/T 8170 (round half to even).
        // 2012 prescribes no input rounding, so its table is applied to the value as given.
        var used = Is2026 ? AqiMath.RoundGbT8170(given, pollutant.Decimals) : given;
        AqiSubIndex Result(int? iaqi, string? note) => new(pollutant, given, used, iaqi, note);

        if (pollutant.Name == "so2_1h" && used > OverRuleLimit)
        {
            return Is2026
                ? Result(200, "SO2 1-h above 800 \u00b5g/m\u00b3 counts as IAQI 200 (HJ 633-2026 Table 3 note)")
                : Result(null, "SO2 1-h above 800 \u00b5g/m\u00b3 has no IAQI (HJ 633-2012 Table 1 note 2): the SO2 IAQI is the 24-h average's, give so2_24h");
        }

        if (pollutant.Name == "o3_8h" && used > OverRuleLimit)
        {
            return Is2026
                ? Result(300, "O3 8-h above 800 \u00b5g/m\u00b3 counts as IAQI 300 (HJ 633-2026 Table 3 note)")
                : Result(null, "O3 8-h above 800 \u00b5g/m\u00b3 has no IAQI (HJ 633-2012 Table 1 note 3): the O3 IAQI is the 1-h average's, give o3_1h");
        }

        if (used > pollutant.Top)
        {
            // Neither version defines a concentration above the IAQI-500 breakpoint; 500 is the top of the
            // scale (2026 §4.1.1: AQI 1–500), so it is reported as 500 rather than extrapolated or dropped.
            return Result(500, AqiCalculator.Invariant($"above the top breakpoint {pollutant.Top} {pollutant.Unit}, which HJ 633 does not define; capped at IAQI 500"));
        }

        var segment = pollutant.Segments.First(s => s.Contains(used));
        var note = Is2026 && pollutant.Averaging == "1h" && pollutant.Pollutant.StartsWith("PM", StringComparison.Ordinal)
            ? "1-h PM average indexed with the 24-h breakpoints (HJ 633-2026 \u00a74.2.4)"
            : null;
        return Result(AqiMath.CeilingIndex(segment, used), note);
    }
}
