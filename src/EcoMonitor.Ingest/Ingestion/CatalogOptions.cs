using System.ComponentModel.DataAnnotations;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// Extra or changed catalog metrics (section <c>Catalog</c>): the built-in catalog of docs/catalog.md#extending-the-catalog
/// plus these, so a new probe needs configuration, not code.
/// </summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    [ValidateEnumeratedItems]
    public List<CatalogMetric> Metrics { get; set; } = [];

    public MetricCatalog Build() => MetricCatalog.Default.With(Metrics.Select(m => m.ToDefinition()));
}

public sealed class CatalogMetric
{
    [Required]
    [RegularExpression("^(air|water|soil)$")]
    public string Kind { get; set; } = string.Empty;

    [Required]
    [RegularExpression("^[a-z][a-z0-9_]{0,63}$")]
    public string Name { get; set; } = string.Empty;

    [Required(AllowEmptyStrings = false)]
    public string Unit { get; set; } = string.Empty;

    public double Min { get; set; }

    public double Max { get; set; }

    public MetricDefinition ToDefinition() =>
        SensorKinds.TryParse(Kind, out var kind)
            ? new MetricDefinition(kind, Name, Unit, Min, Max)
            : throw new InvalidOperationException($"Catalog metric '{Name}' has an unknown kind '{Kind}'.");
}

[OptionsValidator]
internal sealed partial class CatalogOptionsValidator : IValidateOptions<CatalogOptions>;
