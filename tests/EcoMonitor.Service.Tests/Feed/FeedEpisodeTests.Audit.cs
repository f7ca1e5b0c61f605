using System.Security.Cryptography;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Audit;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Feed;

/// <summary>The <c>cap</c> record of each published CAP message: its identifier and the SHA-256 of the bytes served.</summary>
public sealed partial class FeedEpisodeTests
{
    [Fact]
    public async Task Each_published_message_is_recorded_with_its_identifier_and_the_hash_of_the_bytes_served()
    {
        var trail = new RecordingAuditTrail();
        using var feed = new FeedScenario(_data.FullName, trail: trail);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 80);
        feed.Round();
        feed.Time.Advance(TimeSpan.FromMinutes(10));
        feed.Notify(NotificationState.Resolved, AlertSeverity.Warning, 40);
        feed.Round();
        await feed.Publisher.AppendAuditAsync(TestContext.Current.CancellationToken);

        var messages = feed.Publisher.Current.Chains.SelectMany(c => c.Messages).OrderBy(m => m.Sent).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(
            messages.Select(m => (AuditRecordTypes.Cap, (object?)m.Identifier, (object?)Convert.ToHexStringLower(SHA256.HashData(feed.Reader.Message(m.Identifier)!.Bytes)))),
            trail.Records.Select(r => (r.Type, r.Fields["identifier"], r.Fields["sha256"])));
    }

    [Fact]
    public async Task With_auditing_off_a_published_message_builds_no_record()
    {
        var trail = new RecordingAuditTrail(enabled: false);
        using var feed = new FeedScenario(_data.FullName, trail: trail);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 80);
        feed.Round();
        await feed.Publisher.AppendAuditAsync(TestContext.Current.CancellationToken);
        Assert.Single(feed.Messages());
        Assert.Equal(0, trail.Attempts);
    }
}
