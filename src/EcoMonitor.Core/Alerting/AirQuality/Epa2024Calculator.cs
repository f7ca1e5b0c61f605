namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>
/// US EPA AQI per the May 2024 technical assistance document (EPA-454/B-24-002): truncated inputs, Table 6,
/// equation 1 rounded to the nearest integer, the SO2 1-h/24-h rules and the ozone footnotes.
/// </summary>
public sealed class Epa2024Calculator : IAqiCalculator
{
    /// <summary>Table 6: 1-h SO2 defines the index only below this; 24-h SO2 only from it.</summary>
    private const decimal So2Switch = 305m;

    public AqiStandard Standard => AqiStandard.Epa2024;

    public IReadOnlyList<AqiPollutant> Pollutants => AqiBreakpoints.Epa2024;

    public AqiResult Calculate(IEnumerable<KeyValuePair<string, decimal>> concentrations)
    {
        var inputs = AqiCalculator.Resolve(Standard, Pollutants, concentrations);

        // The 1-h SO2 rule depends on the 24-h average, when it is given.
        decimal? so2Daily = inputs.Where(i => i.Pollutant.Name == "so2_24h")
            .Select(i => (decimal?)AqiMath.Truncate(i.Concentration, i.Pollutant.Decimals))
            .FirstOrDefault();
        return AqiCalculator.Assemble(Standard, [.. inputs.Select(i => Index(i.Pollutant, i.Concentration, so2Daily))]);
    }

    private static AqiSubIndex Index(AqiPollutant pollutant, decimal given, decimal? so2Daily)
    {
        var used = AqiMath.Truncate(given, pollutant.Decimals);
        AqiSubIndex Result(int? iaqi, string? note) => new(pollutant, given, used, iaqi, note);

        switch (pollutant.Name)
        {
            case "o3_8h" when used > pollutant.Top:
                return Result(null, "8-h O3 at or above 0.201 ppm does not define AQI \u2265 301 (TAD Table 6 note 2): give o3_1h");
            case "o3_1h" when used < pollutant.Segments[0].Low:
                return Result(null, "1-h O3 below 0.125 ppm has no index (TAD Table 6 note 1): the 8-h O3 index applies");
            case "so2_1h" when used >= So2Switch:
                // TAD: 1-h SO2 does not define AQI above 200. With the 24-h average at 305 ppb or more, that
                // defines the SO2 index; below 305 the index is fixed at 200 (I_Lo = I_Hi = 200). Without the 24-h
                // average 200 is still a sure lower bound, so it is reported rather than dropped.
                return so2Daily switch
                {
                    >= So2Switch => Result(null, "1-h SO2 at or above 305 ppb does not define AQI above 200: the 24-h SO2 index (so2_24h) applies"),
                    not null => Result(200, "1-h SO2 at or above 305 ppb with 24-h SO2 below 305 ppb: index set to 200 (TAD)"),
                    null => Result(200, "1-h SO2 at or above 305 ppb: index 200 (TAD); give so2_24h, which from 305 ppb defines a higher index"),
                };
            case "so2_24h" when used < So2Switch:
                return Result(null, "24-h SO2 below 305 ppb has no index (TAD Table 6 note 3): 1-h SO2 defines the SO2 index");
        }

        if (used > pollutant.Top)
        {
            // TAD Table 6 note 4: above AQI 500, equation 1 continues along the 301–500 row.
            return Result(
                AqiMath.HalfUpIndex(pollutant.Segments[^1], used),
                AqiCalculator.Invariant($"above the AQI-500 concentration {pollutant.Top} {pollutant.Unit}: extrapolated along the 301\u2013500 row (TAD Table 6 note 4)"));
        }

        // After truncation every value falls in a row: the rows' gaps are one unit of the truncation precision.
        var segment = pollutant.Segments.FirstOrDefault(s => s.Contains(used))
            ?? throw new InvalidOperationException(AqiCalculator.Invariant($"{pollutant.Name} {used} falls between the rows of Table 6"));
        return Result(AqiMath.HalfUpIndex(segment, used), null);
    }
}
