using EcoMonitor.FirmwareSim.Cli;

return await FleetCommand.InvokeAsync(args, TimeProvider.System);
