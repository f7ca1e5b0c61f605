namespace EcoMonitor.Ingest.Storage;

/// <summary>How readings are read back (<c>Influx:ReadApi</c>): InfluxQL (any InfluxDB) or VictoriaMetrics' export API.</summary>
public enum ReadbackApi
{
    InfluxQl,
    VictoriaMetrics,
}
