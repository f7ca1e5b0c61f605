using System.Collections.Concurrent;
using System.Text;
using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Service.Http;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>
/// The real <see cref="InfluxPointWriter"/> against a local server that answers as InfluxDB 2's
/// write API does, through <see cref="StoreWriter"/> and <see cref="BatchWriter"/>: each answer
/// ends in the outcome it calls for (stored, dead letter, split, spool with not-ready, retry after
/// the store's <c>Retry-After</c>). Retry delays run on the fake clock.
/// </summary>
public sealed class InfluxAnswersTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));
    private InfluxWriteStandIn _influx = null!;
    private InfluxPointWriter _writer = null!;
    private WritePath _path = null!;

    public async ValueTask InitializeAsync()
    {
        _influx = await InfluxWriteStandIn.StartAsync(_time, TestContext.Current.CancellationToken);
        var influx = new InfluxOptions { Url = _influx.Url.ToString(), Token = "token", Org = "eco", Bucket = "eco", RetryAttempts = 2 };
        _writer = new InfluxPointWriter(Microsoft.Extensions.Options.Options.Create(influx));
        _path = new WritePath(_time, _writer, influx, new SpoolOptions(), Deadline, "influx");
        await _path.Writer.StartAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_204_stores_the_batch_and_the_message_is_acknowledged()
    {
        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement");

        Assert.Equal(WritePath.Lines(0, 1, 2), _influx.Stored);
        Assert.Equal(3, _path.Metrics.ReadingsStored.Value);
        Assert.Equal(0, _path.Metrics.ReadingsSpooled.Value);
        Assert.True(_path.Health.IsHealthy);
    }

    [Fact]
    public async Task The_request_is_the_v2_write_APIs_own_with_the_body_as_UTF_8_of_its_declared_length()
    {
        string[] lines = ["air,site=s1,device=d1 pm25=12 1000", "alert,rule=粉尘-超标,site=s1 firing=1i 1000", "water,site=s1,device=d2 ph=7.1 1000"];
        await _writer.WriteAsync(lines, TestContext.Current.CancellationToken);

        var last = _influx.Last;
        Assert.Equal("?org=eco&bucket=eco&precision=ms", last.Query);
        Assert.Equal("Token token", last.Authorization);
        Assert.Equal("text/plain; charset=utf-8", last.ContentType);
        var bytes = Encoding.UTF8.GetByteCount(string.Join('\n', lines));
        Assert.Equal(bytes, last.BodyBytes);
        Assert.Equal(bytes, last.ContentLength);
        Assert.Equal(lines, _influx.Stored);
    }

    [Fact]
    public async Task A_partial_write_400_dead_letters_the_bad_point_alone_and_stores_the_others()
    {
        _influx.RejectLinesContaining = "m1=";
        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement");

        // Split until the bad point is alone; the good ones are stored (again: a rewrite overwrites itself).
        Assert.Equal(WritePath.Lines(0, 2), _influx.Stored.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal([400, 204, 400, 400, 204], _influx.Requests.Select(r => r.Status));
        var deadLetter = Assert.Single(File.ReadAllLines(Assert.Single(Directory.GetFiles(_path.DeadLetterDirectory))));
        Assert.Contains("\"code\":\"store-rejected\"", deadLetter, StringComparison.Ordinal);
        Assert.Contains("m1=1 1001", deadLetter, StringComparison.Ordinal);
        Assert.Contains("partial write", deadLetter, StringComparison.Ordinal);
        Assert.DoesNotContain("m0=", deadLetter, StringComparison.Ordinal);
        Assert.DoesNotContain("m2=", deadLetter, StringComparison.Ordinal);
        Assert.Equal(0, _path.Metrics.ReadingsSpooled.Value);
    }

    [Fact]
    public async Task A_413_splits_the_request_until_each_part_fits_and_everything_is_stored()
    {
        _influx.MaxLinesPerRequest = 1;
        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement");

        Assert.Equal(WritePath.Lines(0, 1, 2), _influx.Stored.Order(StringComparer.Ordinal));
        Assert.Equal([413, 204, 413, 204, 204], _influx.Requests.Select(r => r.Status));
        Assert.False(Directory.Exists(_path.DeadLetterDirectory));
        Assert.Equal(0, _path.Metrics.ReadingsSpooled.Value);
    }

    [Theory]
    [InlineData(401, "unauthorized", "unauthorized access")]
    [InlineData(403, "forbidden", "insufficient permissions for write")]
    [InlineData(404, "not found", "bucket \"eco\" not found")]
    public async Task Refused_credentials_or_a_missing_bucket_spool_the_batch_at_once_and_make_the_service_not_ready(int status, string code, string message)
    {
        _influx.AnswerNext(status, code, message);
        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement of the spooled batch");

        // Not retried: waiting fixes neither a token nor a bucket; an operator must act.
        Assert.Single(_influx.Requests);
        Assert.Equal(3, _path.Metrics.ReadingsSpooled.Value);
        Assert.Empty(_influx.Stored);
        Assert.Contains($"({status})", _path.Health.Unauthorized, StringComparison.Ordinal);
        Assert.Contains(message, _path.Health.Unauthorized, StringComparison.Ordinal);
        var ready = await new ReadinessCheck(new MqttConnectionState { IsConnected = true }, _path.Health, _path.Metrics, new ReadinessConditions())
            .CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Unhealthy, ready.Status);
    }

    [Theory]
    [InlineData(429, "too many requests", "org eco has exceeded its write rate limit")]
    [InlineData(503, "unavailable", "service unavailable")]
    public async Task A_busy_store_is_retried_no_sooner_than_its_Retry_After_and_the_batch_is_stored(int status, string code, string message)
    {
        _influx.AnswerNext(status, code, message, retryAfterSeconds: 3);
        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement", step: TimeSpan.FromMilliseconds(100));

        var requests = _influx.Requests.ToList();
        Assert.Equal([status, 204], requests.Select(r => r.Status));
        // Not before the 3 s asked (Polly's own first backoff is 200 ms); the clock runs on while the answer is read.
        Assert.InRange(requests[1].At - requests[0].At, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6));
        Assert.Equal(WritePath.Lines(0, 1, 2), _influx.Stored);
        Assert.Equal(0, _path.Metrics.ReadingsSpooled.Value);
        Assert.Null(_path.Health.Unauthorized);
    }

    [Fact]
    public async Task A_live_batch_asked_to_wait_longer_than_its_longest_backoff_is_spooled_and_the_replay_waits_as_asked()
    {
        _influx.AnswerNext(429, "too many requests", "org eco has exceeded its write rate limit", retryAfterSeconds: 30);
        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement of the spooled batch");
        Assert.Single(_influx.Requests);
        Assert.Equal(3, _path.Metrics.ReadingsSpooled.Value);

        // The replay of what was spooled asks again; told to wait 30 s, it waits 30 s.
        _influx.AnswerNext(429, "too many requests", "org eco has exceeded its write rate limit", retryAfterSeconds: 30);
        var replay = _path.Pipeline.Replay.ExecuteAsync(async ct => await _path.Store.WriteAsync(WritePath.Lines(0, 1, 2), ct), TestContext.Current.CancellationToken).AsTask();
        await _path.AdvanceUntilAsync(() => replay.IsCompleted, "the replay", step: TimeSpan.FromSeconds(1));
        await replay;

        var requests = _influx.Requests.ToList();
        Assert.Equal([429, 429, 204], requests.Select(r => r.Status));
        Assert.InRange(requests[2].At - requests[1].At, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(45));
        Assert.Equal(WritePath.Lines(0, 1, 2), _influx.Stored);
    }

    [Fact]
    public async Task A_500_is_retried_and_the_batch_is_stored()
    {
        _influx.AnswerNext(500, "internal error", "unexpected error writing points to database: timeout");
        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement");

        Assert.Equal([500, 204], _influx.Requests.Select(r => r.Status));
        Assert.Equal(WritePath.Lines(0, 1, 2), _influx.Stored);
        Assert.Equal(0, _path.Metrics.ReadingsSpooled.Value);
    }

    [Fact]
    public async Task Connection_resets_are_retried_and_after_the_retries_the_batch_is_spooled_while_the_service_stays_ready()
    {
        for (var i = 0; i < 3; i++)
        {
            _influx.ResetNext();
        }

        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the acknowledgement of the spooled batch");

        Assert.Equal([0, 0, 0], _influx.Requests.Select(r => r.Status));
        Assert.Equal(3, _path.Metrics.ReadingsSpooled.Value);
        Assert.Equal(2, _path.Metrics.StoreWriteFailures.Value);
        Assert.Null(_path.Health.Unauthorized);
        var ready = await new ReadinessCheck(new MqttConnectionState { IsConnected = true }, _path.Health, _path.Metrics, new ReadinessConditions())
            .CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Degraded, ready.Status);
    }

    public async ValueTask DisposeAsync()
    {
        await _path.DisposeAsync();
        _writer.Dispose();
        await _influx.DisposeAsync();
    }
}
