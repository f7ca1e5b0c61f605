using System.Text.Json;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>
/// What the HTTP channel tests share: a fake clock five minutes after the alerts started (the one
/// the channels sign with and the fake destinations check against), the fake destinations, the
/// formatter, and a plain <see cref="HttpClient"/> as the factory would give.
/// </summary>
public abstract class ChannelTest : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(TestMessages.Start.AddMinutes(5));

    protected TestMessages Messages { get; } = new();

    protected HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    protected RobotReceivers Receivers { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Receivers = await RobotReceivers.StartAsync(Time, Ct);

    public async ValueTask DisposeAsync()
    {
        await Receivers.DisposeAsync();
        Http.Dispose();
        Messages.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static string Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            element = element.GetProperty(name);
        }

        return element.GetString() ?? string.Empty;
    }

    protected static async Task<ChannelDeliveryException> RefusedAsync(Func<Task> send) =>
        await Assert.ThrowsAsync<ChannelDeliveryException>(send);
}
