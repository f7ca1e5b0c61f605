namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>
/// The index of one input.
/// </summary>
/// <param name="Concentration">As given.</param>
/// <param name="Used">
/// The concentration the table was applied to: rounded (HJ 633-2026 §4.2.2) or truncated (EPA) as the standard says.
/// </param>
/// <param name="Iaqi">The sub-index; null where the standard defines none for this value (see <paramref name="Note"/>).</param>
/// <param name="Note">
/// Why <paramref name="Iaqi"/> is null, or which special rule produced it (a cap, an over-800 rule, extrapolation);
/// null for a plain table look-up.
/// </param>
public sealed record AqiSubIndex(AqiPollutant Pollutant, decimal Concentration, decimal Used, int? Iaqi, string? Note)
{
    public string Name => Pollutant.Name;
}

/// <summary>
/// An air quality index: each input's sub-index, the overall index (the maximum sub-index) and its band.
/// </summary>
/// <param name="SubIndices">One per input, in the order given.</param>
/// <param name="Aqi">Null when no input has a sub-index.</param>
/// <param name="Band">The band of <paramref name="Aqi"/>; null with it.</param>
/// <param name="Primary">
/// Inputs whose sub-index equals the AQI, ties all listed, in input order. HJ 633: only when AQI &gt; 50 (§3.3),
/// empty otherwise. EPA: the "main pollutant" whenever there is an AQI.
/// </param>
/// <param name="NonAttainment">
/// HJ 633-2012 超标污染物: the inputs with IAQI &gt; 100. Null for the other standards (2026 deleted the notion).
/// </param>
public sealed record AqiResult(
    AqiStandard Standard,
    IReadOnlyList<AqiSubIndex> SubIndices,
    int? Aqi,
    AqiBand? Band,
    IReadOnlyList<string> Primary,
    IReadOnlyList<string>? NonAttainment)
{
    /// <summary>The sub-index of input <paramref name="name"/>; throws if it was not an input.</summary>
    public AqiSubIndex this[string name] => SubIndices.First(s => s.Name == name);
}

/// <summary>Inputs a standard cannot be applied to; <see cref="Problems"/> lists every one, not just the first.</summary>
public sealed class AqiInputException : Exception
{
    public AqiInputException()
        : this([])
    {
    }

    public AqiInputException(string message)
        : this([message])
    {
    }

    public AqiInputException(string message, Exception innerException)
        : base(message, innerException) => Problems = [message];

    public AqiInputException(IReadOnlyList<string> problems)
        : base(string.Join("; ", problems)) => Problems = problems;

    public IReadOnlyList<string> Problems { get; } = [];
}
