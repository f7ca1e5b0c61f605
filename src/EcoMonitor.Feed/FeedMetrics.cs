using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Feed;

/// <summary>The feed's counters, exported on <c>/metrics</c> (docs/http.md#metrics).</summary>
internal sealed class FeedMetrics
{
    public FeedMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        Runtime = runtime;
        var factory = runtime.Factory;
        Messages = factory.CreateCounter("ecomonitor_feed_messages_total", "CAP messages published in the public feed, by msgType (Alert, Update) and reason (start, change, reissue, allclear).", ["msgType", "reason"]);
        Withheld = factory.CreateCounter("ecomonitor_feed_withheld_total", "Public alerts not published, by reason (no-site: the site has no Feed:Sites entry and Feed:ShowSiteIds is off; chains-full: Feed:MaxChains reached with no ended chain to drop; stale: the notification is older than Feed:Expires).", ["reason"]);
        Pruned = factory.CreateCounter("ecomonitor_feed_messages_pruned_total", "Message files deleted, by reason (ended: the chain ended longer than Feed:KeepEnded ago; bound: Feed:MaxMessages).", ["reason"]);
        Chains = factory.CreateGauge("ecomonitor_feed_chains", "Chains in the feed's index, by state (active, ended).", ["state"]);
        Requests = factory.CreateCounter("ecomonitor_feed_requests_total", "Requests to /feeds, by document (index, message) and answer (ok, not-modified, not-found, bad-identifier).", ["document", "answer"]);
        Failures = factory.CreateCounter("ecomonitor_feed_failures_total", "Rounds of the feed that failed and are retried (disk refused, other), by reason.", ["reason"]);
    }

    public RuntimeMetrics Runtime { get; }

    public Counter Messages { get; }

    public Counter Withheld { get; }

    public Counter Pruned { get; }

    public Gauge Chains { get; }

    public Counter Failures { get; }

    public Counter Requests { get; }
}
