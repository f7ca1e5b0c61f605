using System.Globalization;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>The command-line configuration every test service runs with, in process or as a child process.</summary>
internal static class ServiceArguments
{
    /// <summary>
    /// Connects to the broker on <paramref name="brokerPort"/>, stores to <paramref name="storeUrl"/>,
    /// listens on <paramref name="urls"/> and subscribes to <c>eco/{site}/+/+</c> (native) only, so
    /// that tests sharing a broker each see their own traffic alone, with reading open (<c>Ui:AnonymousView</c>);
    /// then <paramref name="extraArgs"/>, which may override any of these.
    /// </summary>
    public static string[] For(int brokerPort, string clientId, string storeUrl, DirectoryInfo dataDirectory, string urls, string site, string[] extraArgs) =>
    [
        "--Mqtt:Host=127.0.0.1",
        string.Create(CultureInfo.InvariantCulture, $"--Mqtt:Port={brokerPort}"),
        $"--Mqtt:ClientId={clientId}",
        $"--Influx:Url={storeUrl}",
        $"--DataDirectory={dataDirectory.FullName}",
        $"--Urls={urls}",
        "--Ingest:BatchMaxAge=00:00:00.050",
        $"--Mqtt:Subscriptions:0:Topic=eco/{site}/{{kind}}/{{device}}",
        $"--Mqtt:Subscriptions:0:Site={site}",
        "--Mqtt:Subscriptions:0:Format=native",
        $"--Mqtt:StatusFilter=eco/{site}/+/+/status",
        "--Logging:LogLevel:Default=Warning",

        // Tests read /api without logging in; the tests of logins and rights turn it off (Auth/).
        "--Ui:AnonymousView=true",
        .. extraArgs,
    ];
}
