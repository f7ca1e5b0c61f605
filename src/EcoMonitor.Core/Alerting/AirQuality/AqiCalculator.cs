using System.Globalization;

namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>Computes the air quality index of one standard from named concentrations (docs/cli.md#aqi-inputs input names).</summary>
public interface IAqiCalculator
{
    AqiStandard Standard { get; }

    /// <summary>The inputs this standard takes, in docs/cli.md#aqi-inputs order.</summary>
    IReadOnlyList<AqiPollutant> Pollutants { get; }

    /// <exception cref="AqiInputException">An unknown or repeated name, a negative or absurd value, or no input at all.</exception>
    AqiResult Calculate(IEnumerable<KeyValuePair<string, decimal>> concentrations);
}

/// <summary>The calculators, and what they share: input checks and the assembly of the result.</summary>
public static class AqiCalculator
{
    /// <summary>
    /// Far above any ambient concentration in any of the units (1 g/m³, 100 % by volume), and low enough that
    /// EPA's extrapolation above 500 stays within an <see cref="int"/>.
    /// </summary>
    public const decimal MaxConcentration = 1_000_000m;

    private static readonly Hj633Calculator Hj2026 = new(AqiStandard.Hj633_2026);
    private static readonly Hj633Calculator Hj2012 = new(AqiStandard.Hj633_2012);
    private static readonly Epa2024Calculator Epa = new();

    public static IAqiCalculator For(AqiStandard standard) => standard switch
    {
        AqiStandard.Hj633_2026 => Hj2026,
        AqiStandard.Hj633_2012 => Hj2012,
        AqiStandard.Epa2024 => Epa,
        _ => throw new ArgumentOutOfRangeException(nameof(standard), standard, "unknown AQI standard"),
    };

    public static AqiResult Calculate(AqiStandard standard, IEnumerable<KeyValuePair<string, decimal>> concentrations) =>
        For(standard).Calculate(concentrations);

    /// <summary>
    /// For readings, which arrive as doubles. A double converts to the shortest decimal that round-trips
    /// (35.05 stays 35.05, not 35.0499999…), so rounding and truncation see the value the sensor reported.
    /// </summary>
    public static AqiResult Calculate(this IAqiCalculator calculator, IEnumerable<KeyValuePair<string, double>> concentrations)
    {
        ArgumentNullException.ThrowIfNull(calculator);
        ArgumentNullException.ThrowIfNull(concentrations);
        var problems = new List<string>();
        var converted = new List<KeyValuePair<string, decimal>>();
        foreach (var (name, value) in concentrations)
        {
            if (TryConvert(value, out var concentration, out var problem))
            {
                converted.Add(new(name, concentration));
            }
            else
            {
                problems.Add($"{name}: {problem}");
            }
        }

        return problems.Count > 0 ? throw new AqiInputException(problems) : calculator.Calculate(converted);
    }

    /// <summary>A double as a concentration: finite, and within what <see cref="decimal"/> holds.</summary>
    public static bool TryConvert(double value, out decimal concentration, out string? problem)
    {
        concentration = 0;
        if (!double.IsFinite(value))
        {
            problem = $"{value.ToString(CultureInfo.InvariantCulture)} is not a finite number";
            return false;
        }

        if (Math.Abs(value) > (double)MaxConcentration)
        {
            // Checked here too: beyond ±7.9e28 the conversion itself would throw.
            problem = $"{value.ToString("R", CultureInfo.InvariantCulture)} is above {MaxConcentration}, not an ambient concentration";
            return false;
        }

        concentration = decimal.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
        problem = null;
        return true;
    }

    /// <summary>Pairs each input with its table entry, or throws listing every problem.</summary>
    internal static List<(AqiPollutant Pollutant, decimal Concentration)> Resolve(
        AqiStandard standard,
        IReadOnlyList<AqiPollutant> pollutants,
        IEnumerable<KeyValuePair<string, decimal>> concentrations)
    {
        ArgumentNullException.ThrowIfNull(concentrations);
        var problems = new List<string>();
        var resolved = new List<(AqiPollutant, decimal)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in concentrations)
        {
            var pollutant = pollutants.FirstOrDefault(p => p.Name == name);
            if (pollutant is null)
            {
                problems.Add(UnknownName(standard, pollutants, name));
                continue;
            }

            if (!seen.Add(name))
            {
                problems.Add($"{name}: given more than once");
                continue;
            }

            if (value < 0)
            {
                problems.Add(Invariant($"{name}: {value} {pollutant.Unit} is negative; a concentration is 0 or more"));
                continue;
            }

            if (value > MaxConcentration)
            {
                problems.Add(Invariant($"{name}: {value} {pollutant.Unit} is above {MaxConcentration}, not an ambient concentration"));
                continue;
            }

            resolved.Add((pollutant, value));
        }

        if (problems.Count == 0 && resolved.Count == 0)
        {
            problems.Add($"no concentrations given; {standard.Name()} takes {string.Join(", ", pollutants.Select(p => p.Name))}");
        }

        return problems.Count > 0 ? throw new AqiInputException(problems) : resolved;
    }

    /// <summary>AQI = max IAQI (both standards' eq. 2), its band, primary and (2012) non-attainment pollutants.</summary>
    internal static AqiResult Assemble(AqiStandard standard, List<AqiSubIndex> subIndices)
    {
        var defined = subIndices.Where(s => s.Iaqi is not null).ToList();
        int? aqi = defined.Count == 0 ? null : defined.Max(s => s.Iaqi!.Value);
        var isHj = standard != AqiStandard.Epa2024;

        // HJ 633 §3.3: a primary pollutant exists only when AQI > 50; ties are all primary.
        IReadOnlyList<string> primary = aqi is null || (isHj && aqi <= 50)
            ? []
            : [.. defined.Where(s => s.Iaqi == aqi).Select(s => s.Name)];
        IReadOnlyList<string>? nonAttainment = standard == AqiStandard.Hj633_2012
            ? [.. defined.Where(s => s.Iaqi > 100).Select(s => s.Name)]
            : null;
        return new AqiResult(
            standard,
            subIndices,
            aqi,
            aqi is null ? null : AqiBands.Of(standard, aqi.Value),
            primary,
            nonAttainment);
    }

    internal static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static string UnknownName(AqiStandard standard, IReadOnlyList<AqiPollutant> pollutants, string name)
    {
        var known = string.Join(", ", pollutants.Select(p => p.Name));
        if (standard == AqiStandard.Hj633_2012 && name is "pm25_1h" or "pm10_1h")
        {
            return $"{name}: HJ 633-2012 has no 1-h PM breakpoints (its real-time PM index uses the 24-h moving average: give {name[..^3]}_24h); {standard.Name()} takes {known}";
        }

        return $"{name}: not an input of {standard.Name()}; it takes {known}";
    }
}
