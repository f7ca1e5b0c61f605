namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>
/// The MQTT login of the simulated nodes (README "Credentials"). <see cref="ToString"/> leaves the
/// password out, so the options can be logged.
/// </summary>
public sealed class MqttCredentials
{
    /// <summary>Stands for each node's device name in <see cref="Username"/>: the shipped ACL's per-device login.</summary>
    public const string DevicePlaceholder = "{device}";

    public MqttCredentials(string username, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        Username = username;
        Password = password;
    }

    /// <summary>The user name, or a template with <see cref="DevicePlaceholder"/>.</summary>
    public string Username { get; }

    public string Password { get; }

    /// <summary>True when each node logs in as its own device (the user name has <see cref="DevicePlaceholder"/>).</summary>
    public bool IsPerDevice => Username.Contains(DevicePlaceholder, StringComparison.Ordinal);

    /// <summary>The user name <paramref name="node"/> logs in with.</summary>
    public string UsernameOf(NodeIdentity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Username.Replace(DevicePlaceholder, node.Device, StringComparison.Ordinal);
    }

    public override string ToString() => $"{Username} (password not shown)";
}
