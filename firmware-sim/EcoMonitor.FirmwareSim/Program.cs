using EcoMonitor.FirmwareSim;

return await FleetCommand.InvokeAsync(args, TimeProvider.System);
