namespace EcoMonitor.Sensors;

/// <summary>What the HTTP surface and the page read of the sensor directory.</summary>
public interface ISensorDirectory
{
    /// <summary>Grows by one on every change a reader can see (a reading, a status, a status change by age); the page's live updates compare it.</summary>
    long Version { get; }

    /// <summary>Every device known, ordered by site then device.</summary>
    IReadOnlyList<SensorView> List();

    SensorView? Find(string site, string device);
}
