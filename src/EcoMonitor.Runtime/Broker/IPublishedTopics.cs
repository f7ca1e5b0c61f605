namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// MQTT filters of what this service itself publishes (notifications of an mqtt channel). The
/// ingest consumer acknowledges messages on them without reading them as sensor data: with the
/// default prefix <c>eco/alerts</c>, a notification on <c>eco/alerts/{site}/{severity}</c> matches
/// an ingest filter <c>eco/+/+/+</c> and would otherwise be dead-lettered as a bad topic.
/// </summary>
public interface IPublishedTopics
{
    IEnumerable<string> Filters { get; }
}
