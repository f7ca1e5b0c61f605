using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using MQTTnet;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>What every node of one run shares.</summary>
/// <param name="ClockOrigin">True time at which node clocks start to drift (the run's start).</param>
/// <param name="NodeCount">Fleet size, which orders the fleet's messages for <see cref="FleetOptions.DuplicateEvery"/>.</param>
/// <param name="Recorder">Collects every accepted data message when a test asks for it.</param>
/// <param name="Report">
/// Called once per composed message when its fate is known: true when the broker accepted it (live or in a
/// replay), false when it was refused or could not be delivered by the end of the run. Not called for a
/// message dropped from a full buffer, nor for a duplicate resend.
/// </param>
internal sealed record NodeEnvironment(
    FleetOptions Options,
    MqttClientFactory Factory,
    TextWriter Log,
    TimeProvider Time,
    DateTimeOffset ClockOrigin,
    int NodeCount,
    FirmwareCounters Firmware,
    PublicationRecorder? Recorder,
    Action<SimulatedMessage, bool> Report);
