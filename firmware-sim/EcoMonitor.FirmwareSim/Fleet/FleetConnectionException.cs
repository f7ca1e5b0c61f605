using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>The fleet could not connect to the broker; nothing was published.</summary>
public sealed class FleetConnectionException : Exception
{
    public FleetConnectionException()
    {
    }

    public FleetConnectionException(string message)
        : base(message)
    {
    }

    public FleetConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The broker's CONNACK refused <paramref name="clientId"/>; a refused login says so and names the user (never the password).</summary>
    internal static FleetConnectionException Refused(string clientId, string? username, MqttClientConnectResult result)
    {
        var login = result.ResultCode is MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadUserNameOrPassword
            ? username is null
                ? " (the broker wants a login: --username with a password, README \"Credentials\")"
                : $" (login as '{username}' refused: wrong user name or password, README \"Credentials\")"
            : string.Empty;
        return new FleetConnectionException($"broker refused {clientId}: {result.ResultCode} {result.ReasonString}".TrimEnd() + login);
    }
}
