using EcoMonitor.Core.Audit;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>The <c>silence</c> records: created and expired, with matchers, author and end.</summary>
public sealed partial class SilenceBookTests
{
    [Fact]
    public async Task A_created_and_an_expired_silence_are_recorded_with_their_matchers_author_and_end()
    {
        var ct = TestContext.Current.CancellationToken;
        var trail = new RecordingAuditTrail();
        var book = Book(new NotificationOptions(), trail);

        var (silence, _) = await book.CreateAsync(new SilenceMatch(Site: "bj-*", Metric: "pm25"), null, TestMessages.Start.AddHours(2), "maintenance", "officer.wang", ct);
        _time.Advance(TimeSpan.FromMinutes(30));
        await book.ExpireAsync(silence!.Id, "officer.li", ct);

        var records = trail.Records.ToList();
        Assert.All(records, r => Assert.Equal(AuditRecordTypes.Silence, r.Type));
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["id"] = silence.Id,
                ["change"] = "created",
                ["matchers"] = new Dictionary<string, object?> { ["site"] = "bj-*", ["metric"] = "pm25" },
                ["by"] = "officer.wang",
                ["until"] = TestMessages.Start.AddHours(2),
            },
            records[0].Fields);
        Assert.Equal(("expired", "officer.li", (object?)_time.GetUtcNow()), (records[1].Fields["change"], records[1].Fields["by"], records[1].Fields["until"]));
        Assert.Equal(_time.GetUtcNow(), records[1].At);
    }

    [Fact]
    public async Task With_auditing_off_a_silence_builds_no_record()
    {
        var trail = new RecordingAuditTrail(enabled: false);
        await Book(new NotificationOptions(), trail).CreateAsync(new SilenceMatch(Site: "bj-1"), null, TestMessages.Start.AddHours(2), "maintenance", "officer.wang", TestContext.Current.CancellationToken);
        Assert.Equal(0, trail.Attempts);
    }
}
