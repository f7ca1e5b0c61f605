using System.CommandLine;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Storage;
using EcoMonitor.Service.Hosting;

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
        var format = new Option<string>("--format") { Description = "payload format: auto or native", DefaultValueFactory = _ => "auto" };
        var file = new Option<FileInfo?>("--file") { Description = "read the payload from this file instead of stdin" };
        var command = new Command("decode", "Decode one payload and print the points it would write") { topic, format, file };
        command.SetAction(async (parse, ct) =>
        {
            var services = new ServiceCollection().AddEcoMonitorIngestion(configuration()).BuildServiceProvider();
            await using (services)
            {
                var payload = await ReadPayloadAsync(parse.GetValue(file), ct);
                var ingestor = services.GetRequiredService<MessageIngestor>();
                var time = services.GetRequiredService<TimeProvider>();
                var result = ingestor.Ingest(new IncomingMessage(parse.GetRequiredValue(topic), payload, time.GetUtcNow()), parse.GetRequiredValue(format));
                return await WriteAsync(result, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            }
        });
        return command;
    }

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
