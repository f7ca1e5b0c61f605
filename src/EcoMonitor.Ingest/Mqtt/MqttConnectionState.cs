namespace EcoMonitor.Ingest.Mqtt;

/// <summary>Whether the consumer is connected and subscribed; read by the readiness check.</summary>
public sealed class MqttConnectionState
{
    private volatile bool _connected;

    public bool IsConnected
    {
        get => _connected;
        set => _connected = value;
    }
}
