using System.Collections.Frozen;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Catalog;

/// <summary>
/// Converts a value in the unit a device or format sent (SenML <c>u</c>/<c>bu</c>, Tasmota
/// <c>TempUnit</c>/<c>PressureUnit</c>, Sensor.Community's pressure in Pa, …) to the catalog unit of
/// its metric (docs/catalog.md#unit-conversion). A unit that cannot be converted is refused with a reason, never guessed.
/// </summary>
/// <remarks>
/// Three small tables drive everything:
/// <list type="bullet">
/// <item><see cref="Families"/>: one record per physical quantity, each unit with its scale to the family's base unit.
/// The target family is found from the catalog unit, so a metric added by configuration in a unit listed here
/// converts without code.</item>
/// <item><see cref="Equivalences"/>: spellings whose meaning depends on the target (<c>ppm</c>, <c>%</c>, <c>/</c>, <c>dB</c>).</item>
/// <item><see cref="MolarMasses"/>: the only place the metric name matters, because ppm ↔ µg/m³ needs the gas.</item>
/// </list>
/// </remarks>
public static class UnitConversion
{
    /// <summary>
    /// Molar volume in L/mol at the GB 3095 reference state, 25 °C and 1013.25 hPa
    /// (R·298.15 K / 101325 Pa = 24.4654…, used as 24.465 as the Chinese standards do, docs/catalog.md#unit-conversion; US EPA practice uses 24.45).
    /// </summary>
    private const double MolarVolume = 24.465;

    /// <summary>Base unit °C; Fahrenheit and kelvin are affine, so they carry an offset.</summary>
    private static readonly Family Temperature = new("temperature",
    [
        // "C" is Tasmota's TempUnit; "Cel" is SenML's registered spelling; ℃ (U+2103) is common on Chinese probes.
        new("°C", 1, 0, ["Cel", "C", "degC", "celsius", "Celsius", "\u2103"]),
        new("°F", 5.0 / 9.0, -32, ["F", "degF", "\u2109"]),
        new("K", 1, -273.15, []),
    ]);

    /// <summary>Base unit Pa (SenML and Sensor.Community send Pa; Tasmota sends its PressureUnit, usually hPa).</summary>
    private static readonly Family Pressure = new("pressure",
    [
        new("Pa", 1, 0, []),
        new("hPa", 100, 0, []),
        new("mbar", 100, 0, []),
        new("kPa", 1_000, 0, []),
        new("bar", 100_000, 0, []),

        // Tasmota's SetOption24/139 pressure units; exact by definition of the units.
        new("mmHg", 133.322387415, 0, []),
        new("inHg", 3386.389, 0, []),
    ]);

    /// <summary>
    /// Base unit µg/m³. Spellings are matched after <see cref="Fold"/>, which maps Greek mu to the micro sign
    /// and m3 / m^3 to m³, so only the ASCII "u" needs listing.
    /// </summary>
    private static readonly Family MassConcentration = new("mass concentration",
    [
        new("µg/m³", 1, 0, ["ug/m³"]),
        new("mg/m³", 1_000, 0, []),
    ]);

    /// <summary>
    /// Base unit ppm, a ratio. In air it is a mole (volume) fraction; crossing to µg/m³ needs
    /// <see cref="MolarMasses"/>. In water and soil "ppm" means mass and is handled by <see cref="Equivalences"/>.
    /// </summary>
    private static readonly Family PartsPer = new("parts-per ratio",
    [
        new("ppm", 1, 0, []),
        new("ppb", 0.001, 0, []),
    ]);

    private static readonly Family RelativeHumidity = new("relative humidity",
    [
        new("%RH", 1, 0, []),
    ]);

    private static readonly Family VolumetricWaterContent = new("volumetric water content",
    [
        new("% VWC", 1, 0, ["%VWC"]),
    ]);

    /// <summary>Base unit µS/cm. 1 m = 100 cm, so 1 S/m = 0.01 S/cm = 10 000 µS/cm and 1 mS/m = 10 µS/cm.</summary>
    private static readonly Family Conductivity = new("conductivity",
    [
        new("µS/cm", 1, 0, ["uS/cm"]),
        new("mS/cm", 1_000, 0, []),
        new("S/m", 10_000, 0, []),
        new("mS/m", 10, 0, []),
    ]);

    /// <summary>pH is a logarithmic scale with no other unit; SenML's dimensionless "/" is an equivalence.</summary>
    private static readonly Family Acidity = new("pH", [new("pH", 1, 0, [])]);

    /// <summary>
    /// FNU (ISO 7027, 860 nm infrared) and NTU (EPA 180.1, white light) read the same formazin standard and are
    /// numerically equal; they differ only in the optics. The catalog stores NTU, so FNU is taken as NTU.
    /// </summary>
    private static readonly Family Turbidity = new("turbidity", [new("NTU", 1, 0, ["FNU"])]);

    private static readonly Family Voltage = new("voltage",
    [
        new("mV", 1, 0, []),
        new("V", 1_000, 0, []),
    ]);

    /// <summary>A-weighted sound level. Plain "dB" (the only SenML spelling) is an equivalence, not an alias.</summary>
    private static readonly Family SoundLevel = new("A-weighted sound level", [new("dB(A)", 1, 0, ["dBA"])]);

    private static readonly Family MassPerVolumeOfWater = new("mass concentration in water",
    [
        new("mg/L", 1, 0, ["mg/l"]),
    ]);

    private static readonly Family MassFraction = new("mass fraction", [new("mg/kg", 1, 0, [])]);

    private static readonly Family[] Families =
    [
        Temperature, Pressure, MassConcentration, PartsPer, RelativeHumidity, VolumetricWaterContent,
        Conductivity, Acidity, Turbidity, Voltage, SoundLevel, MassPerVolumeOfWater, MassFraction,
    ];

    /// <summary>Every spelling of every family. ToFrozenDictionary throws on a duplicate, so the table stays unambiguous.</summary>
    private static readonly FrozenDictionary<string, KnownUnit> BySpelling = Families
        .SelectMany(family => family.Units.SelectMany(unit =>
            unit.Aliases.Prepend(unit.Name).Select(spelling => KeyValuePair.Create(spelling, new KnownUnit(family, unit)))))
        .ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Spellings that mean a unit only for some targets, so they cannot be plain aliases.</summary>
    private static readonly Equivalence[] Equivalences =
    [
        // In dilute water 1 L weighs ≈ 1 kg, so 1 ppm (mg/kg) ≈ 1 mg/L; probes for DO, NH3-N, COD, TP, TN report
        // either. Only for water metrics: in air ppm is a mole fraction.
        new("ppm", "mg/L", SensorKind.Water),
        // For soil contents ppm is a mass fraction: 1 ppm = 1 mg/kg exactly.
        new("ppm", "mg/kg", null),
        // SenML's "%" (and many firmwares) for relative humidity or for volumetric water content: the target tells which.
        new("%", "%RH", null),
        new("%", "% VWC", null),
        // SenML's dimensionless "/" is accepted for pH only, never for other unit-less quantities.
        new("/", "pH", null),
        // SenML registers only "dB"; sound-level meters on MQTT report LAeq, i.e. A-weighted.
        new("dB", "dB(A)", null),
    ];

    /// <summary>Molar masses (g/mol) of the gases the catalog stores as mass concentrations (docs/catalog.md#unit-conversion).</summary>
    private static readonly FrozenDictionary<string, double> MolarMasses = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["o3"] = 48.00,
        ["no2"] = 46.01,
        ["so2"] = 64.06,
        ["co"] = 28.01,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Converts <paramref name="value"/> given in <paramref name="unit"/> to the catalog unit of <paramref name="target"/>.
    /// </summary>
    /// <param name="target">The catalog metric the value belongs to.</param>
    /// <param name="value">The value as sent.</param>
    /// <param name="unit">
    /// The unit as sent. A missing unit means "already in the catalog unit", which the caller decides: this method
    /// refuses an empty one rather than assume.
    /// </param>
    /// <param name="converted">The value in <c>target.Unit</c>; NaN when refused, so it can never pass validation.</param>
    /// <param name="error">Why the unit was refused; empty on success.</param>
    public static bool TryConvert(MetricDefinition target, double value, string unit, out double converted, out string error)
    {
        ArgumentNullException.ThrowIfNull(target);

        if (string.Equals(unit, target.Unit, StringComparison.Ordinal))
        {
            return Success(value, out converted, out error);
        }

        if (string.IsNullOrWhiteSpace(unit))
        {
            return Fail($"no unit given for {target.Name}; a missing unit must be resolved by the caller", out converted, out error);
        }

        var spelling = Fold(unit);
        var cannot = $"unit '{unit}' cannot be converted to {target.Unit} for {target.Name}";
        if (!BySpelling.TryGetValue(Fold(target.Unit), out var to))
        {
            return Fail($"{cannot}: the catalog unit '{target.Unit}' has no known conversions", out converted, out error);
        }

        if (!TryResolveSource(spelling, target, to.Family, out var from))
        {
            return IsKnownSpelling(spelling)
                ? Fail(cannot, out converted, out error)
                : Fail($"unit '{unit}' is not a known unit; cannot convert to {target.Unit} for {target.Name}", out converted, out error);
        }

        if (ReferenceEquals(from.Family, to.Family))
        {
            // Same unit under another spelling: keep the value bit for bit.
            var same = ReferenceEquals(from.Unit, to.Unit) ? value : to.Unit.FromBase(from.Unit.ToBase(value));
            return Success(same, out converted, out error);
        }

        if (IsGasPair(from.Family, to.Family))
        {
            if (target.Kind != SensorKind.Air || !MolarMasses.TryGetValue(target.Name, out var molarMass))
            {
                return Fail($"{cannot}: ppm/ppb and mass concentration convert only with the molar mass of a gas, and none is known for {target.Name}", out converted, out error);
            }

            // µg/m³ per ppm = M / V_m × 1000 (µg/m³ per ppb = M / V_m; docs/catalog.md#unit-conversion).
            var microgramsPerPpm = molarMass / MolarVolume * 1_000;
            var fromBase = from.Unit.ToBase(value);
            var toBase = ReferenceEquals(from.Family, PartsPer) ? fromBase * microgramsPerPpm : fromBase / microgramsPerPpm;
            return Success(to.Unit.FromBase(toBase), out converted, out error);
        }

        return Fail(cannot, out converted, out error);
    }

    /// <summary>
    /// Canonicalises spellings that differ only typographically: Greek mu (U+03BC) and the micro sign (U+00B5) look
    /// identical, and "m3" / "m^3" are ASCII for m³. Case is kept: mPa and MPa, or K and k, are different things.
    /// </summary>
    private static string Fold(string unit) => unit
        .Trim()
        .Replace('\u03bc', '\u00b5')
        .Replace("/m^3", "/m\u00b3", StringComparison.Ordinal)
        .Replace("/m3", "/m\u00b3", StringComparison.Ordinal);

    /// <summary>A spelling of the target's own family first, then one that means a unit of it for this target, then any.</summary>
    private static bool TryResolveSource(string spelling, MetricDefinition target, Family targetFamily, out KnownUnit source)
    {
        if (BySpelling.TryGetValue(spelling, out source!) && ReferenceEquals(source.Family, targetFamily))
        {
            return true;
        }

        foreach (var equivalence in Equivalences)
        {
            if (string.Equals(equivalence.Spelling, spelling, StringComparison.Ordinal)
                && (equivalence.OnlyFor is null || equivalence.OnlyFor == target.Kind)
                && BySpelling.TryGetValue(equivalence.Means, out var meant)
                && ReferenceEquals(meant.Family, targetFamily))
            {
                source = meant;
                return true;
            }
        }

        return BySpelling.TryGetValue(spelling, out source!);
    }

    private static bool IsKnownSpelling(string spelling) =>
        BySpelling.ContainsKey(spelling)
        || Array.Exists(Equivalences, e => string.Equals(e.Spelling, spelling, StringComparison.Ordinal));

    private static bool IsGasPair(Family from, Family to) =>
        (ReferenceEquals(from, PartsPer) && ReferenceEquals(to, MassConcentration))
        || (ReferenceEquals(from, MassConcentration) && ReferenceEquals(to, PartsPer));

    private static bool Success(double value, out double converted, out string error)
    {
        converted = value;
        error = string.Empty;
        return true;
    }

    private static bool Fail(string message, out double converted, out string error)
    {
        converted = double.NaN;
        error = message;
        return false;
    }

    /// <summary>A physical quantity and the units it may be expressed in.</summary>
    private sealed record Family(string Quantity, IReadOnlyList<Unit> Units);

    /// <summary>
    /// One unit: its canonical name, other spellings, and its affine map to the family's base unit,
    /// base = (value + Offset) × Factor. Only temperatures have an offset.
    /// </summary>
    private sealed record Unit(string Name, double Factor, double Offset, IReadOnlyList<string> Aliases)
    {
        public double ToBase(double value) => (value + Offset) * Factor;

        public double FromBase(double value) => (value / Factor) - Offset;
    }

    private sealed record KnownUnit(Family Family, Unit Unit);

    /// <summary><see cref="Spelling"/> means the unit spelt <see cref="Means"/> when the target is in that unit's family (and of kind <see cref="OnlyFor"/>, if set).</summary>
    private sealed record Equivalence(string Spelling, string Means, SensorKind? OnlyFor);
}
