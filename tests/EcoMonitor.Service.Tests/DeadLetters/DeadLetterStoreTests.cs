using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.DeadLetters;

/// <summary>The dead-letter files: what a record holds, rotation by day and size, the total bound, the MQTT copy.</summary>
public sealed class DeadLetterStoreTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-dl-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 23, 59, 0, TimeSpan.Zero));
    private readonly IngestMetrics _metrics = new(new RuntimeMetrics());
    private readonly ReadinessConditions _readiness = new();

    [Fact]
    public async Task A_record_holds_time_topic_format_every_reason_and_the_payload_as_received()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = Open(new DeadLetterOptions());

        await store.WriteAsync(Message("{\"ts\": 1, \"readings\": {\"radon\": 3}}"), Refused("unknown-metric", "out-of-range"), ct);
        await store.WriteAsync(new IncomingMessage("eco/s/air/n", new byte[] { 0xff, 0xfe, 0x00 }, _time.GetUtcNow()), Refused("malformed-json"), ct);

        var lines = ReadAll();
        Assert.Equal(2, lines.Count);
        var first = lines[0];
        Assert.Equal("2026-11-28T23:59:00+00:00", first.GetProperty("time").GetString());
        Assert.Equal("eco/s/air/n", first.GetProperty("topic").GetString());
        Assert.Equal("native", first.GetProperty("format").GetString());
        Assert.Equal(["unknown-metric", "out-of-range"], first.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()));
        Assert.Equal("{\"ts\": 1, \"readings\": {\"radon\": 3}}", first.GetProperty("payload").GetString());
        Assert.Equal("//4A", lines[1].GetProperty("payloadBase64").GetString());
        Assert.False(lines[1].TryGetProperty("payload", out _));
    }

    [Fact]
    public async Task Files_rotate_at_the_day_boundary_and_at_the_size_limit()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = Open(new DeadLetterOptions { MaxFileBytes = 1024 });

        await store.WriteAsync(Message("a"), Refused("malformed-json"), ct);
        _time.Advance(TimeSpan.FromMinutes(2));
        for (var i = 0; i < 5; i++)
        {
            await store.WriteAsync(Message(new string('x', 300)), Refused("malformed-json"), ct);
        }

        var files = Directory.GetFiles(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal("deadletter-2026-11-28-000.jsonl", files[0]);
        Assert.Equal("deadletter-2026-11-29-000.jsonl", files[1]);
        Assert.True(files.Count >= 3, string.Join(", ", files));
        Assert.All(Directory.GetFiles(store.Directory), f => Assert.True(new FileInfo(f).Length <= 1024));
        Assert.Equal(6, ReadAll().Count);
    }

    [Fact]
    public async Task Past_the_total_bound_the_oldest_files_are_deleted_and_counted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = Open(new DeadLetterOptions { MaxFileBytes = 1024, MaxTotalBytes = 2048 });

        for (var i = 0; i < 20; i++)
        {
            await store.WriteAsync(Message(new string('x', 300)), Refused("malformed-json"), ct);
        }

        var total = Directory.GetFiles(store.Directory).Sum(f => new FileInfo(f).Length);
        Assert.True(total <= 2048 + 1024, $"{total} bytes");
        Assert.True(_metrics.DeadLetterFilesDeleted.Value > 0);
        Assert.DoesNotContain("deadletter-2026-11-28-000.jsonl", Directory.GetFiles(store.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task With_republish_on_each_record_is_offered_for_MQTT_under_its_first_code()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new DeadLetterOptions { Republish = true };
        var republisher = new DeadLetterRepublisher(MsOptions.Create(options), _metrics);
        await using var store = Open(options, republisher);

        await store.WriteAsync(Message("{"), Refused("malformed-json", "unknown-metric"), ct);

        Assert.True(republisher.Reader.TryRead(out var copy));
        Assert.Equal("eco/deadletter/malformed-json", copy.Topic);
        Assert.Equal("eco/s/air/n", JsonDocument.Parse(copy.Record).RootElement.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task A_huge_payload_is_cut_to_the_bound_on_a_character_boundary_and_keeps_its_size_and_sha256()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = Open(new DeadLetterOptions());

        // 100,001 bytes; the default bound (65,536) runs through the two bytes of an 'é'.
        var text = "a" + string.Concat(Enumerable.Repeat("é", 50_000));
        var binary = Enumerable.Repeat((byte)0xff, 100_000).ToArray();
        await store.WriteAsync(Message(text), Refused("payload-too-large"), ct);
        await store.WriteAsync(new IncomingMessage("eco/s/air/n", binary, _time.GetUtcNow()), Refused("payload-too-large"), ct);
        await store.WriteAsync(Message("{"), Refused("malformed-json"), ct);

        var lines = ReadAll();
        Assert.Equal(text[..32_768], lines[0].GetProperty("payload").GetString());
        Assert.Equal(100_001, lines[0].GetProperty("payloadBytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), lines[0].GetProperty("payloadSha256").GetString());
        Assert.True(lines[0].GetProperty("payloadTruncated").GetBoolean());

        Assert.Equal(Convert.ToBase64String(binary, 0, 65_536), lines[1].GetProperty("payloadBase64").GetString());
        Assert.Equal(100_000, lines[1].GetProperty("payloadBytes").GetInt64());
        Assert.True(lines[1].GetProperty("payloadTruncated").GetBoolean());

        Assert.Equal("{", lines[2].GetProperty("payload").GetString());
        Assert.Equal(1, lines[2].GetProperty("payloadBytes").GetInt64());
        Assert.False(lines[2].GetProperty("payloadTruncated").GetBoolean());

        // The kept part (base64 for the binary one), not the whole payload, is what takes space.
        var lengths = Directory.GetFiles(store.Directory).SelectMany(File.ReadLines).Select(l => Encoding.UTF8.GetByteCount(l)).ToList();
        Assert.All(lengths, length => Assert.True(length < (65_536 * 4 / 3) + 1024, $"a line of {length} bytes"));
    }

    [Fact]
    public async Task A_write_on_a_full_disk_throws_leaves_no_torn_line_and_writing_works_again_when_space_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = SmallFileSystem.MountOrSkip(1 << 20);
        await using var store = Open(new DeadLetterOptions(), dataDirectory: disk.Root.FullName);
        await store.WriteAsync(Message("before"), Refused("malformed-json"), ct);

        disk.Fill();
        await Assert.ThrowsAnyAsync<IOException>(() => store.WriteAsync(Message(new string('x', 20_000)), Refused("malformed-json"), ct));
        await Assert.ThrowsAnyAsync<IOException>(() => store.WriteAsync(Message(new string('y', 20_000)), Refused("malformed-json"), ct));
        Assert.All(Directory.GetFiles(store.Directory), f => Assert.EndsWith("}\n", File.ReadAllText(f), StringComparison.Ordinal));
        Assert.True(_readiness.IsRaised(DeadLetterStore.DiskCondition));
        Assert.Equal(2, _metrics.DiskWriteFailures.WithLabels(DiskStores.DeadLetter).Value);

        disk.Free();
        await store.WriteAsync(Message("after"), Refused("malformed-json"), ct);

        Assert.False(_readiness.IsRaised(DeadLetterStore.DiskCondition));
        Assert.Equal(["before", "after"], ReadAll(disk.Root.FullName).Select(l => l.GetProperty("payload").GetString()));
    }

    public void Dispose() => _data.Delete(recursive: true);

    private DeadLetterStore Open(DeadLetterOptions options, DeadLetterRepublisher? republisher = null, string? dataDirectory = null) =>
        new(
            MsOptions.Create(new DataDirectoryOptions { DataDirectory = dataDirectory ?? _data.FullName }),
            MsOptions.Create(options),
            republisher ?? new DeadLetterRepublisher(MsOptions.Create(options), _metrics),
            _metrics,
            _time,
            NullLogger<DeadLetterStore>.Instance,
            _readiness);

    private IncomingMessage Message(string payload) => new("eco/s/air/n", Encoding.UTF8.GetBytes(payload), _time.GetUtcNow());

    private static IngestResult Refused(params string[] codes) =>
        new("native", [], [.. codes.Select(c => new Rejection(c, $"because {c}"))], 0);

    /// <summary>Every line of every file, parsed: a torn line fails here.</summary>
    private List<JsonElement> ReadAll(string? dataDirectory = null) =>
        Directory.GetFiles(Path.Combine(dataDirectory ?? _data.FullName, "deadletter"))
            .Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
}
