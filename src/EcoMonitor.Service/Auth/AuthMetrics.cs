using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Service.Auth;

/// <summary>The counters of logins and refusals, exported on <c>/metrics</c> (docs/auth.md#refusals).</summary>
internal sealed class AuthMetrics
{
    public AuthMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var factory = runtime.Factory;
        Refusals = factory.CreateCounter("ecomonitor_http_refusals_total", "HTTP requests refused for want of a credential or a right, by reason (AuthRefusals).", ["reason"]);
        Logins = factory.CreateCounter("ecomonitor_logins_total", "Successful logins to the page.");
        Lockouts = factory.CreateCounter("ecomonitor_login_lockouts_total", "Names locked after Auth:MaxFailedLogins failures within Auth:LockoutWindow.");

        // Every reason from zero, so a rate() or an alert sees the first refusal.
        foreach (var reason in AuthRefusals.All)
        {
            Refusals.WithLabels(reason);
        }
    }

    public Counter Refusals { get; }

    public Counter Logins { get; }

    public Counter Lockouts { get; }
}
