using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Catalog;

/// <summary>A catalog metric: canonical name, unit and the plausible range of a real sensor.</summary>
public sealed record MetricDefinition(SensorKind Kind, string Name, string Unit, double Min, double Max)
{
    public bool IsPlausible(double value) => value >= Min && value <= Max;
}
