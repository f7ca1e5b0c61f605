using System.Text;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Service.Tests.Fixtures;
using MQTTnet;

namespace EcoMonitor.Service.Tests.Ingestion;

/// <summary>
/// Every kind of bad input, mixed with good readings: each bad one is dead-lettered with its
/// reason and counted, each good one is stored, and the service keeps going.
/// </summary>
public sealed class BadInputTests(Servers servers)
{
    [Theory]
    [InlineData(TestStore.VictoriaMetrics)]
    [InlineData(TestStore.InfluxDb1)]
    public async Task Bad_input_is_dead_lettered_with_its_reason_and_counted_while_good_readings_are_stored(string storeKind)
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"bad-{Guid.NewGuid():N}"[..16];
        var store = await TestStore.ForAsync(storeKind, servers, site, ct);
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct, store.ServiceArguments);
        var now = DateTimeOffset.UtcNow;
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(now.AddMinutes(-30).ToUnixTimeMilliseconds());
        string Topic(string device) => $"eco/{site}/air/{device}";
        string Good(int i, double value) => EndToEndIngestTests.Payload(t0.AddSeconds(i), i, ("pm25", value));

        // (topic, payload, expected rejection codes in the dead-letter record; empty = clean)
        var cases = new List<(string Topic, string Payload, string[] Codes)>
        {
            (Topic("n1"), Good(0, 10), []),
            (Topic("n1"), "{\"ts\": \"2026-11-28T08:00:00Z\", \"readings\": {", [RejectionCodes.MalformedJson]),
            (Topic("n1"), Good(1, 11), []),
            (Topic("n1"), "[1, 2]", [RejectionCodes.InvalidShape, RejectionCodes.InvalidShape]),
            (Topic("n1"), "\"pm25=3\"", [RejectionCodes.InvalidShape]),
            (Topic("n1"), EndToEndIngestTests.Payload(t0.AddSeconds(2), 2, ("pm25", 12), ("radon", 5)), [RejectionCodes.UnknownMetric]),
            (Topic("n1"), $"{{\"ts\": {t0.AddSeconds(3).ToUnixTimeMilliseconds()}, \"readings\": {{\"pm25\": \"13\", \"pm10\": 23}}}}", [RejectionCodes.ValueNotNumber]),
            (Topic("n1"), $"{{\"ts\": {t0.AddSeconds(4).ToUnixTimeMilliseconds()}, \"readings\": {{\"pm25\": NaN}}}}", [RejectionCodes.MalformedJson]),
            (Topic("n1"), $"{{\"ts\": {t0.AddSeconds(5).ToUnixTimeMilliseconds()}, \"readings\": {{\"pm25\": 1e999, \"pm10\": 25}}}}", [RejectionCodes.ValueNotFinite]),
            (Topic("n1"), Good(6, 1500), [RejectionCodes.OutOfRange]),
            (Topic("n1"), Good(7, -1), [RejectionCodes.OutOfRange]),
            ($"eco/{site}/fire/n1", Good(8, 18), [RejectionCodes.BadTopic]),
            ($"eco/{site}/air/bad device", Good(9, 19), [RejectionCodes.BadTopic]),
            (Topic("n1"), "{\"seq\": 10, \"readings\": {\"pm25\": 20}}", [RejectionCodes.MissingTimestamp]),
            (Topic("n1"), EndToEndIngestTests.Payload(new DateTimeOffset(1970, 1, 1, 0, 0, 1, TimeSpan.Zero), 11, ("pm25", 21)), [RejectionCodes.InvalidTimestamp]),
            (Topic("n1"), "{\"ts\": \"yesterday\", \"readings\": {\"pm25\": 22}}", [RejectionCodes.InvalidTimestamp]),
            (Topic("n1"), EndToEndIngestTests.Payload(now.AddDays(2), 12, ("pm25", 23)), [RejectionCodes.TimestampInFuture]),
            (Topic("n1"), EndToEndIngestTests.Payload(now.AddYears(-3), 13, ("pm25", 24)), [RejectionCodes.TimestampTooOld]),
            (Topic("n1"), "{\"ts\": \"2026-11-28T08:00:00Z\", \"readings\": {\"pm25\": " + new string('1', 300 * 1024) + "}}", [RejectionCodes.PayloadTooLarge]),
            (Topic("n1"), $"[{Good(14, 34)}, {{\"readings\": 5}}, {Good(15, 35)}]", [RejectionCodes.InvalidShape]),
            (Topic("n2"), Good(16, 36), []),
        };

        await TestPublisher.PublishAsync(servers.Mosquitto, cases.Select(c => (c.Topic, Encoding.UTF8.GetBytes(c.Payload))), ct);
        await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= cases.Count, TimeSpan.FromSeconds(30), "every message acknowledged", ct);

        // Dead letters: one record per refused message, in order, with every reason.
        var records = ReadDeadLetters(service.DeadLetterDirectory);
        var refused = cases.Where(c => c.Codes.Length > 0).ToList();
        Assert.Equal(refused.Count, records.Count);
        for (var i = 0; i < refused.Count; i++)
        {
            var record = records[i];
            Assert.Equal(refused[i].Topic, record.GetProperty("topic").GetString());
            Assert.Equal(refused[i].Codes, record.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray());
            Assert.All(record.GetProperty("reasons").EnumerateArray(), r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("reason").GetString())));

            // The payload as received, cut to DeadLetters:MaxPayloadBytes (these are ASCII).
            var keep = new DeadLetterOptions().MaxPayloadBytes;
            Assert.Equal(refused[i].Payload[..Math.Min(refused[i].Payload.Length, keep)], record.GetProperty("payload").GetString());
            Assert.Equal(refused[i].Payload.Length, record.GetProperty("payloadBytes").GetInt64());
            Assert.Equal(refused[i].Payload.Length > keep, record.GetProperty("payloadTruncated").GetBoolean());
        }

        // Counters by reason match the dead letters.
        foreach (var code in refused.SelectMany(c => c.Codes).Distinct())
        {
            Assert.Equal(refused.SelectMany(c => c.Codes).Count(c => c == code), service.Metrics.RejectionsFor(code));
        }

        Assert.Equal(refused.Count, service.Metrics.DeadLettered.Value);

        // The good readings, including those sharing a message with bad ones, are stored.
        var expected = new HashSet<(string, string, long, double)>
        {
            ("air_pm25", "n1", t0.ToUnixTimeMilliseconds(), 10),
            ("air_pm25", "n1", t0.AddSeconds(1).ToUnixTimeMilliseconds(), 11),
            ("air_pm25", "n1", t0.AddSeconds(2).ToUnixTimeMilliseconds(), 12),
            ("air_pm10", "n1", t0.AddSeconds(3).ToUnixTimeMilliseconds(), 23),
            ("air_pm10", "n1", t0.AddSeconds(5).ToUnixTimeMilliseconds(), 25),
            ("air_pm25", "n1", t0.AddSeconds(14).ToUnixTimeMilliseconds(), 34),
            ("air_pm25", "n1", t0.AddSeconds(15).ToUnixTimeMilliseconds(), 35),
            ("air_pm25", "n2", t0.AddSeconds(16).ToUnixTimeMilliseconds(), 36),
        };
        var stored = (await store.ReadAtLeastAsync(expected.Count, ct)).Select(r => (r.Series, r.Device, r.Timestamp, r.Value)).ToList();
        Assert.Equal(expected, stored.ToHashSet());
        Assert.Equal(expected.Count, stored.Count);
        Assert.Equal(expected.Count, service.Metrics.ReadingsStored.Value);
    }

    [Fact]
    public async Task With_republish_on_a_dead_letter_is_also_published_under_its_reason_code()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"rep-{Guid.NewGuid():N}"[..16];
        var prefix = $"eco/deadletter-{site}";
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct, "--DeadLetters:Republish=true", $"--DeadLetters:RepublishTopicPrefix={prefix}");

        using var listener = new MqttClientFactory().CreateMqttClient();
        var copies = new System.Collections.Concurrent.ConcurrentQueue<(string Topic, string Payload)>();
        listener.ApplicationMessageReceivedAsync += e =>
        {
            copies.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await listener.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(servers.Mosquitto.Host, servers.Mosquitto.Port).Build(), ct);
        await listener.SubscribeAsync($"{prefix}/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, ct);

        await TestPublisher.PublishAsync(servers.Mosquitto, [($"eco/{site}/air/n1", Encoding.UTF8.GetBytes("{not json"))], ct);

        await Eventually.WaitAsync(() => !copies.IsEmpty, TimeSpan.FromSeconds(15), "the dead-letter copy", ct);
        var (topic, payload) = Assert.Single(copies);
        Assert.Equal($"{prefix}/{RejectionCodes.MalformedJson}", topic);
        var record = JsonDocument.Parse(payload).RootElement;
        Assert.Equal($"eco/{site}/air/n1", record.GetProperty("topic").GetString());
        Assert.Equal("{not json", record.GetProperty("payload").GetString());
    }

    /// <summary>Every record of the dead-letter store, oldest file first.</summary>
    internal static List<JsonElement> ReadDeadLetters(string directory) =>
        Directory.GetFiles(directory, "deadletter-*.jsonl")
            .Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();
}
