using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Service.Page;

/// <summary>The page's counters on <c>/metrics</c> (docs/http.md#metrics).</summary>
public sealed class PageMetrics
{
    public PageMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        LiveClients = runtime.Factory.CreateGauge("ecomonitor_page_live_clients", "Browsers connected to the page's live stream (/ui/events).");
        LiveRefused = runtime.Factory.CreateCounter("ecomonitor_page_live_refused_total", "Connections to /ui/events refused, by reason (full: Ui:MaxLiveClients reached; off: the stream is turned off).", ["reason"]);
        LiveEvents = runtime.Factory.CreateCounter("ecomonitor_page_live_events_total", "Change events sent on the live stream (one per client per change).");
        Actions = runtime.Factory.CreateCounter("ecomonitor_page_actions_total", "Officers' actions through the page, by action (ack, silence, extend, expire) and outcome (done, or the refusal's reason).", ["action", "outcome"]);
    }

    public Gauge LiveClients { get; }

    public Counter LiveRefused { get; }

    public Counter LiveEvents { get; }

    public Counter Actions { get; }
}
