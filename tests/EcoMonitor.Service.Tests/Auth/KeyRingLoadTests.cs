using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary>The data-protection key ring loads at first use, not at start (docs/performance.md#where-rss-goes).</summary>
public sealed class KeyRingLoadTests
{
    [Fact]
    public void Only_the_data_protection_startup_service_is_dropped_and_the_framework_still_names_it_so()
    {
        var services = new ServiceCollection();
        services.AddHostedService<Idle>();
        services.AddSingleton<IHostedService>(_ => new Idle());
        services.AddDataProtection();
        var before = services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();

        // The name the service looks for is the framework's: a rename would keep the keys loading at start.
        Assert.Single(before, d => d.ImplementationType?.FullName == AuthServiceCollectionExtensions.KeyRingStartupType);

        services.DeferKeyRingLoad();

        var after = services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        Assert.Equal(before.Where(d => d.ImplementationType?.FullName != AuthServiceCollectionExtensions.KeyRingStartupType), after);
        Assert.Equal(2, after.Count);
    }

    private sealed class Idle : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
