using System.CommandLine;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Storage;
using EcoMonitor.Ingest.Mqtt;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Cli;

/// <summary>
/// <c>decode --topic T [--format F] [--file P]</c>: the verdict the service would give one
/// payload, without a broker. Points on stdout as line protocol, rejections on stderr.
/// Exit 0 all accepted, 1 some rejected, 2 the whole message rejected.
/// </summary>
public static class DecodeCommand
{
    public const int AllAccepted = 0;
    public const int SomeRejected = 1;
    public const int AllRejected = 2;

    public static Command Create(Func<IConfiguration> configuration)
    {
        var topic = new Option<string>("--topic") { Description = "the MQTT topic the payload arrived on", Required = true };
        var format = new Option<string?>("--format") { Description = "payload format: auto, native, senml, tts (or ttn), sensor-community, tasmota (default: the configured subscription's, else auto)" };
        var file = new Option<FileInfo?>("--file") { Description = "read the payload from this file instead of stdin" };
        var pattern = new Option<string?>("--topic-pattern")
        {
            Description = "topic with named levels, e.g. tele/{device}/SENSOR (default: the configured subscription's, else the conventional one of --format, "
                + "e.g. v3/+/devices/{device}/up for tts, else eco/{site}/{kind}/{device})",
        };
        var site = new Option<string?>("--site") { Description = "site, when the topic does not name it" };
        var kind = new Option<string?>("--kind") { Description = "air, water or soil, when the topic does not name it" };
        var device = new Option<string?>("--device") { Description = "device, when neither topic nor payload names it" };
        var zone = new Option<string?>("--time-zone") { Description = "zone of timestamps without one, e.g. Asia/Shanghai" };
        var command = new Command("decode", "Decode one payload and print the points it would write") { topic, format, file, pattern, site, kind, device, zone };
        command.SetAction(async (parse, ct) =>
        {
            var services = new ServiceCollection().AddEcoMonitorDecoding(configuration()).BuildServiceProvider();
            await using (services)
            {
                var payload = await ReadPayloadAsync(parse.GetValue(file), ct);
                var ingestor = services.GetRequiredService<MessageIngestor>();
                var time = services.GetRequiredService<TimeProvider>();
                var topicName = parse.GetRequiredValue(topic);
                var formatName = parse.GetValue(format);
                SubscriptionProfile profile;
                try
                {
                    profile = ProfileFor(
                        topicName,
                        services.GetRequiredService<IOptions<MqttOptions>>().Value,
                        new MqttSubscription
                        {
                            Topic = parse.GetValue(pattern) ?? ConventionalPattern(services.GetRequiredService<PayloadFormats>(), formatName),
                            Format = formatName ?? PayloadFormats.Auto,
                            Site = parse.GetValue(site),
                            Kind = parse.GetValue(kind),
                            Device = parse.GetValue(device),
                            TimeZone = parse.GetValue(zone) ?? "UTC",
                        },
                        explicitFormat: formatName,
                        explicitPattern: parse.GetValue(pattern) is not null || parse.GetValue(kind) is not null);
                }
                catch (FormatException ex)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {ex.Message}");
                    return AllRejected;
                }

                var result = ingestor.Ingest(new IncomingMessage(topicName, payload, time.GetUtcNow()), profile);
                return await WriteAsync(result, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            }
        });
        return command;
    }

    /// <summary>
    /// The profile the running service would use for <paramref name="topic"/>: the first configured
    /// subscription matching it, unless the command line describes the subscription itself.
    /// </summary>
    private static SubscriptionProfile ProfileFor(string topic, MqttOptions configured, MqttSubscription fromCommandLine, string? explicitFormat, bool explicitPattern)
    {
        if (!explicitPattern)
        {
            foreach (var subscription in configured.Subscriptions)
            {
                var profile = subscription.ToProfile();
                if (profile.Topic.IsMatch(topic))
                {
                    if (explicitFormat is not null)
                    {
                        subscription.Format = explicitFormat;
                        return subscription.ToProfile();
                    }

                    return profile;
                }
            }
        }

        return fromCommandLine.ToProfile();
    }

    /// <summary>The topic pattern devices of the named format publish on (docs/formats.md); the native one for auto or none.</summary>
    private static string ConventionalPattern(PayloadFormats formats, string? format) =>
        (format is null ? null : formats.ConventionalTopic(format))?.Pattern ?? SubscriptionProfile.NativePattern.Pattern;

    public static async Task<int> WriteAsync(IngestResult result, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var line in LineProtocol.Format(result.Accepted))
        {
            await output.WriteLineAsync(line);
        }

        foreach (var rejection in result.Rejections)
        {
            await error.WriteLineAsync($"rejected {rejection}");
        }

        return result.Rejections.Count == 0 ? AllAccepted : result.WhollyRejected ? AllRejected : SomeRejected;
    }

    private static async Task<byte[]> ReadPayloadAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is not null)
        {
            return await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }

        using var buffer = new MemoryStream();
        await using var stdin = Console.OpenStandardInput();
        await stdin.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
