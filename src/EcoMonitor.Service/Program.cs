using System.CommandLine;
using EcoMonitor.Service.Cli;

// The host handles SIGTERM itself and drains within HostOptions:ShutdownTimeout; the parser's
// own 2-second termination timeout would cut that drain short.
return await EcoMonitorCommandLine.Create(args).Parse(args)
    .InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
