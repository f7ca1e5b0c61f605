using EcoMonitor.Service.Cli;

return await EcoMonitorCommandLine.Create(args).Parse(args).InvokeAsync();
