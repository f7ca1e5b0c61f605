namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>The air quality index standards EcoMonitor computes (docs/cli.md#aqi, <c>aqi --standard</c>).</summary>
public enum AqiStandard
{
    /// <summary>HJ 633—2026, in force from 2026-03-01; replaced HJ 633—2012.</summary>
    Hj633_2026,

    /// <summary>HJ 633—2012, kept for reports dated before 2026-03-01.</summary>
    Hj633_2012,

    /// <summary>US EPA technical assistance document EPA-454/B-24-002 (May 2024, Table 6).</summary>
    Epa2024,
}

/// <summary>The names the command line and configuration use for <see cref="AqiStandard"/>.</summary>
public static class AqiStandards
{
    public const string Hj633_2026Name = "hj633-2026";
    public const string Hj633_2012Name = "hj633-2012";
    public const string Epa2024Name = "epa-2024";

    /// <summary>All names, newest Chinese standard first (the default a Chinese deployment wants).</summary>
    public static IReadOnlyList<string> Names { get; } = [Hj633_2026Name, Hj633_2012Name, Epa2024Name];

    public static string Name(this AqiStandard standard) => standard switch
    {
        AqiStandard.Hj633_2026 => Hj633_2026Name,
        AqiStandard.Hj633_2012 => Hj633_2012Name,
        AqiStandard.Epa2024 => Epa2024Name,
        _ => throw new ArgumentOutOfRangeException(nameof(standard), standard, "unknown AQI standard"),
    };

    public static bool TryParse(string? name, out AqiStandard standard)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case Hj633_2026Name:
                standard = AqiStandard.Hj633_2026;
                return true;
            case Hj633_2012Name:
                standard = AqiStandard.Hj633_2012;
                return true;
            case Epa2024Name:
                standard = AqiStandard.Epa2024;
                return true;
            default:
                standard = default;
                return false;
        }
    }
}
