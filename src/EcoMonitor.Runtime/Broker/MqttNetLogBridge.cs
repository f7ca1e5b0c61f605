using System.Globalization;
using MQTTnet.Diagnostics.Logger;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// MQTTnet's log into <see cref="ILogger"/>. Its informational and verbose messages go to Debug and
/// Trace: the service logs connects and disconnects itself, in its own words.
/// </summary>
internal sealed partial class MqttNetLogBridge(ILogger logger) : IMqttNetLogger
{
    public bool IsEnabled => logger.IsEnabled(LogLevel.Warning);

    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        var level = logLevel switch
        {
            // A failed connect, stack trace included, at every retry: the service logs each in words.
            MqttNetLogLevel.Error when message == "Error while connecting with server" => LogLevel.Debug,
            MqttNetLogLevel.Error => LogLevel.Error,
            MqttNetLogLevel.Warning => LogLevel.Warning,
            MqttNetLogLevel.Info => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var text = parameters is { Length: > 0 } ? string.Format(CultureInfo.InvariantCulture, message ?? string.Empty, parameters) : message ?? string.Empty;
        Log(logger, level, exception, source ?? "MQTTnet", text);
    }

    [LoggerMessage(EventId = 2901, Message = "{Source}: {Text}")]
    private static partial void Log(ILogger logger, LogLevel level, Exception? exception, string source, string text);
}
