namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>
/// One row of a breakpoint table: concentrations <see cref="Low"/>…<see cref="High"/> map linearly onto
/// indices <see cref="IndexLow"/>…<see cref="IndexHigh"/> (HJ 633 eq. 1, EPA equation 1).
/// </summary>
public sealed record BreakpointSegment(decimal Low, decimal High, int IndexLow, int IndexHigh)
{
    public bool Contains(decimal concentration) => concentration >= Low && concentration <= High;
}

/// <summary>
/// An index input: a pollutant at one averaging period, in the unit of its standard, with its breakpoint
/// segments in increasing order.
/// </summary>
/// <param name="Name">The input name of docs/cli.md#aqi-inputs, e.g. <c>pm25_24h</c>.</param>
/// <param name="Decimals">
/// The precision the standard wants the concentration at before the table is applied: HJ 633-2026 rounds to it
/// (§4.2.2), EPA truncates to it (TAD §IV step 1); HJ 633-2012 prescribes none and ignores it.
/// </param>
public sealed record AqiPollutant(
    string Name,
    string Pollutant,
    string Averaging,
    string Unit,
    int Decimals,
    IReadOnlyList<BreakpointSegment> Segments)
{
    /// <summary>The highest concentration the table defines.</summary>
    public decimal Top => Segments[^1].High;

    /// <summary>The label an operator reads: <c>PM2.5 24h</c>.</summary>
    public string Label => $"{Pollutant} {Averaging}";
}

/// <summary>
/// The breakpoint tables as data, transcribed from the standards themselves (HJ 633-2012 Table 1, HJ 633-2026
/// Table 3, EPA-454/B-24-002 Table 6), not from public implementations, which have bugs
/// (caiyunapp/aqi-hub uses the 1-h SO2 limits for the 24-h table).
/// </summary>
public static class AqiBreakpoints
{
    public const string MicrogramsPerCubicMetre = "\u00b5g/m\u00b3";
    public const string MilligramsPerCubicMetre = "mg/m\u00b3";
    public const string Ppm = "ppm";
    public const string Ppb = "ppb";

    /// <summary>The IAQI column of HJ 633: the tables give concentrations at these index values.</summary>
    private static readonly int[] HjIndices = [0, 50, 100, 150, 200, 300, 400, 500];

    /// <summary>HJ 633-2026 Table 3, in docs/cli.md#aqi-inputs order; PM 1-h averages use the 24-h rows (§4.2.4).</summary>
    public static IReadOnlyList<AqiPollutant> Hj633_2026 { get; } = HjTable(pm25Good: 60, pm10Good: 120, pmHourly: true);

    /// <summary>HJ 633-2012 Table 1, in docs/cli.md#aqi-inputs order; no 1-h PM input (2012 has no 1-h PM breakpoints).</summary>
    public static IReadOnlyList<AqiPollutant> Hj633_2012 { get; } = HjTable(pm25Good: 75, pm10Good: 150, pmHourly: false);

    /// <summary>
    /// EPA TAD May 2024 Table 6, in docs/cli.md#aqi-inputs order. The Hazardous row (301–500) ends at the TAD's AQI-500
    /// concentrations (footnote 4); above them equation 1 is extrapolated along that row. 8-h O3 stops at
    /// 0.200 ppm (it does not define AQI ≥ 301), 1-h O3 starts at 0.125 ppm, 1-h SO2 stops at 304 ppb and
    /// 24-h SO2 only has the rows from 305 ppb: the calculator applies the TAD's rules at those ends.
    /// </summary>
    public static IReadOnlyList<AqiPollutant> Epa2024 { get; } =
    [
        Epa("pm25_24h", "PM2.5", "24h", MicrogramsPerCubicMetre, 1,
            (0.0m, 9.0m, 0, 50), (9.1m, 35.4m, 51, 100), (35.5m, 55.4m, 101, 150),
            (55.5m, 125.4m, 151, 200), (125.5m, 225.4m, 201, 300), (225.5m, 325.4m, 301, 500)),
        Epa("pm10_24h", "PM10", "24h", MicrogramsPerCubicMetre, 0,
            (0m, 54m, 0, 50), (55m, 154m, 51, 100), (155m, 254m, 101, 150),
            (255m, 354m, 151, 200), (355m, 424m, 201, 300), (425m, 604m, 301, 500)),
        Epa("o3_8h", "O3", "8h", Ppm, 3,
            (0.000m, 0.054m, 0, 50), (0.055m, 0.070m, 51, 100), (0.071m, 0.085m, 101, 150),
            (0.086m, 0.105m, 151, 200), (0.106m, 0.200m, 201, 300)),
        Epa("o3_1h", "O3", "1h", Ppm, 3,
            (0.125m, 0.164m, 101, 150), (0.165m, 0.204m, 151, 200), (0.205m, 0.404m, 201, 300),
            (0.405m, 0.604m, 301, 500)),
        Epa("co_8h", "CO", "8h", Ppm, 1,
            (0.0m, 4.4m, 0, 50), (4.5m, 9.4m, 51, 100), (9.5m, 12.4m, 101, 150),
            (12.5m, 15.4m, 151, 200), (15.5m, 30.4m, 201, 300), (30.5m, 50.4m, 301, 500)),
        Epa("so2_1h", "SO2", "1h", Ppb, 0,
            (0m, 35m, 0, 50), (36m, 75m, 51, 100), (76m, 185m, 101, 150), (186m, 304m, 151, 200)),
        Epa("so2_24h", "SO2", "24h", Ppb, 0,
            (305m, 604m, 201, 300), (605m, 1004m, 301, 500)),
        Epa("no2_1h", "NO2", "1h", Ppb, 0,
            (0m, 53m, 0, 50), (54m, 100m, 51, 100), (101m, 360m, 101, 150),
            (361m, 649m, 151, 200), (650m, 1249m, 201, 300), (1250m, 2049m, 301, 500)),
    ];

    public static IReadOnlyList<AqiPollutant> For(AqiStandard standard) => standard switch
    {
        AqiStandard.Hj633_2026 => Hj633_2026,
        AqiStandard.Hj633_2012 => Hj633_2012,
        AqiStandard.Epa2024 => Epa2024,
        _ => throw new ArgumentOutOfRangeException(nameof(standard), standard, "unknown AQI standard"),
    };

    private static List<AqiPollutant> HjTable(decimal pm25Good, decimal pm10Good, bool pmHourly)
    {
        // The two versions differ only in the IAQI-100 PM breakpoints (and in rules the calculator applies).
        decimal[] pm25 = [0, 35, pm25Good, 115, 150, 250, 350, 500];
        decimal[] pm10 = [0, 50, pm10Good, 250, 350, 420, 500, 600];
        var table = new List<AqiPollutant>
        {
            Hj("pm25_24h", "PM2.5", "24h", MicrogramsPerCubicMetre, 0, pm25),
            Hj("pm10_24h", "PM10", "24h", MicrogramsPerCubicMetre, 0, pm10),
            Hj("so2_24h", "SO2", "24h", MicrogramsPerCubicMetre, 0, [0, 50, 150, 475, 800, 1600, 2100, 2620]),
            // Ends at IAQI 200: above 800 µg/m³ the 1-h value gives no IAQI (2012) or counts as 200 (2026).
            Hj("so2_1h", "SO2", "1h", MicrogramsPerCubicMetre, 0, [0, 150, 500, 650, 800]),
            Hj("no2_24h", "NO2", "24h", MicrogramsPerCubicMetre, 0, [0, 40, 80, 180, 280, 565, 750, 940]),
            Hj("no2_1h", "NO2", "1h", MicrogramsPerCubicMetre, 0, [0, 100, 200, 700, 1200, 2340, 3090, 3840]),
            Hj("co_24h", "CO", "24h", MilligramsPerCubicMetre, 1, [0, 2, 4, 14, 24, 36, 48, 60]),
            Hj("co_1h", "CO", "1h", MilligramsPerCubicMetre, 1, [0, 5, 10, 35, 60, 90, 120, 150]),
            Hj("o3_1h", "O3", "1h", MicrogramsPerCubicMetre, 0, [0, 160, 200, 300, 400, 800, 1000, 1200]),
            // Ends at IAQI 300: above 800 µg/m³ the 8-h value gives no IAQI (2012) or counts as 300 (2026).
            Hj("o3_8h", "O3", "8h", MicrogramsPerCubicMetre, 0, [0, 100, 160, 215, 265, 800]),
        };
        if (pmHourly)
        {
            table.Add(Hj("pm25_1h", "PM2.5", "1h", MicrogramsPerCubicMetre, 0, pm25));
            table.Add(Hj("pm10_1h", "PM10", "1h", MicrogramsPerCubicMetre, 0, pm10));
        }

        return table;
    }

    private static AqiPollutant Hj(string name, string pollutant, string averaging, string unit, int decimals, decimal[] concentrations)
    {
        var segments = new BreakpointSegment[concentrations.Length - 1];
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = new BreakpointSegment(concentrations[i], concentrations[i + 1], HjIndices[i], HjIndices[i + 1]);
        }

        return new AqiPollutant(name, pollutant, averaging, unit, decimals, segments);
    }

    private static AqiPollutant Epa(string name, string pollutant, string averaging, string unit, int decimals, params (decimal Low, decimal High, int IndexLow, int IndexHigh)[] rows) =>
        new(name, pollutant, averaging, unit, decimals, [.. rows.Select(r => new BreakpointSegment(r.Low, r.High, r.IndexLow, r.IndexHigh))]);
}
