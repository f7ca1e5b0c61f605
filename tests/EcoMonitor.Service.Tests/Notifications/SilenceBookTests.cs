using EcoMonitor.Core.Audit;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>What the router holds back: configured silences merged with those created, by their time window.</summary>
public sealed partial class SilenceBookTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-silencebook-");
    private readonly FakeTimeProvider _time = new(TestMessages.Start);
    private readonly TestMessages _messages = new();
    private readonly NotificationMetrics _metrics = new(new RuntimeMetrics());

    [Fact]
    public async Task A_created_silence_holds_back_what_it_matches_from_its_start_until_it_is_expired_and_a_configured_one_holds_too()
    {
        var options = new NotificationOptions
        {
            Silences = [new SilenceOptions { Match = new NotificationMatcher { Device = "air-09" }, Until = TestMessages.Start.AddDays(1) }],
        };
        var book = Book(options);
        var router = new NotificationRouter(MsOptions.Create(options), book);
        var pm25 = _messages.Pm25("air-01", 80);
        var other = _messages.Pm25("air-02", 80);

        var (silence, refusal) = await book.CreateAsync(new SilenceMatch(Device: "air-01"), TestMessages.Start.AddMinutes(10), TestMessages.Start.AddHours(2), "maintenance", "officer.wang", TestContext.Current.CancellationToken);
        Assert.Equal(SilenceRefusal.None, refusal);
        Assert.False(router.IsSilenced(pm25, _time.GetUtcNow()), "a pending silence holds nothing yet");

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(router.IsSilenced(pm25, _time.GetUtcNow()));
        Assert.False(router.IsSilenced(other, _time.GetUtcNow()));
        Assert.True(router.IsSilenced(_messages.Pm25("air-09", 80), _time.GetUtcNow()), "the configured silence is merged in");

        await book.ExpireAsync(silence!.Id, "officer.li", TestContext.Current.CancellationToken);
        Assert.False(router.IsSilenced(pm25, _time.GetUtcNow()));
        Assert.Equal("expired", book.Find(silence.Id)!.StateAt(_time.GetUtcNow()));
        Assert.Equal(1, _metrics.SilenceChanges.WithLabels("created").Value);
        Assert.Equal(1, _metrics.SilenceChanges.WithLabels("expired").Value);

        // Read back by a new book: the file has it, as expired.
        Assert.Equal("expired", Book(options).Find(silence.Id)!.StateAt(_time.GetUtcNow()));
    }

    [Fact]
    public async Task A_full_book_refuses_a_new_silence_until_one_has_expired_and_expired_ones_leave_after_a_week()
    {
        var book = Book(new NotificationOptions());
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < SilenceBook.MaxSilences; i++)
        {
            Assert.Equal(SilenceRefusal.None, (await book.CreateAsync(new SilenceMatch(Device: $"n{i}"), null, TestMessages.Start.AddHours(1), "c", "a", ct)).Refusal);
        }

        Assert.Equal(SilenceRefusal.Full, (await book.CreateAsync(new SilenceMatch(Device: "one-more"), null, TestMessages.Start.AddHours(1), "c", "a", ct)).Refusal);
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(SilenceRefusal.None, (await book.CreateAsync(new SilenceMatch(Device: "one-more"), null, TestMessages.Start.AddHours(3), "c", "a", ct)).Refusal);
        _time.Advance(SilenceBook.KeepExpired + TimeSpan.FromHours(2));
        await book.CreateAsync(new SilenceMatch(Device: "last"), null, _time.GetUtcNow().AddHours(1), "c", "a", ct);
        Assert.Single(book.List());
    }

    public void Dispose()
    {
        _messages.Dispose();
        _data.Delete(recursive: true);
    }

    private SilenceBook Book(NotificationOptions options, IAuditTrail? trail = null) => new(
        MsOptions.Create(options),
        MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName }),
        _time,
        _metrics,
        NullLogger<SilenceBook>.Instance,
        trail ?? AuditTrail.None);
}
