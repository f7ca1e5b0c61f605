using EcoMonitor.Core.Audit;
using EcoMonitor.Notifications;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>The <c>notification</c> records of one channel: handed, failed attempts, sent, silenced.</summary>
public sealed partial class ChannelWorkerTests
{
    [Fact]
    public async Task Each_delivery_outcome_is_recorded_with_the_alert_id_channel_state_and_attempt()
    {
        var trail = new RecordingAuditTrail();
        var options = new NotificationOptions
        {
            GroupWindow = TimeSpan.Zero,
            Silences = [new SilenceOptions { Match = new NotificationMatcher { Device = "node-09" }, Until = Start.AddDays(1) }],
        };
        var (outbox, worker) = Open(options, trail: trail);
        var sent = Make("site-a");
        var silenced = Make("site-a", device: "node-09");
        outbox.Append([sent, silenced]);
        _channel.FailNext = 1;

        await worker.RoundAsync(TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(5));
        await worker.RoundAsync(TestContext.Current.CancellationToken);

        Assert.Equal(
            [("handed", sent.AlertId, null), ("silenced", silenced.AlertId, null), ("failed", sent.AlertId, 1L), ("sent", sent.AlertId, 1L)],
            trail.Records.Select(r => ((string)r.Fields["outcome"]!, (string)r.Fields["id"]!, r.Fields.GetValueOrDefault("attempt"))));
        Assert.All(trail.Records, r => Assert.Equal((AuditRecordTypes.Notification, "robot", "firing"), (r.Type, r.Fields["channel"], r.Fields["state"])));
        Assert.Equal("ChannelDeliveryException", trail.Records.Single(r => (string)r.Fields["outcome"]! == "failed").Fields["error"]);
    }

    [Fact]
    public async Task With_auditing_off_a_delivery_builds_no_record()
    {
        var trail = new RecordingAuditTrail(enabled: false);
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.Zero }, trail: trail);
        outbox.Append([Make("site-a")]);
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Single(_channel.Messages);
        Assert.Equal(0, trail.Attempts);
    }
}
