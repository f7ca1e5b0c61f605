using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Feed.Publishing;
using EcoMonitor.Feed.Storage;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Feed;

/// <summary>A full disk under the feed (docs/feed.md#bounds): nothing published, logged, counted, readiness raised, the cursor kept; published once space returns.</summary>
public sealed class FeedDiskFullTests : IDisposable
{
    private readonly SmallFileSystem _disk = SmallFileSystem.MountOrSkip(256 * 1024);

    [Fact]
    public void A_round_the_disk_refuses_publishes_nothing_keeps_the_cursor_and_is_published_when_space_returns()
    {
        using var feed = new FeedScenario(_disk.Root.FullName);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 80);
        _disk.Fill();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            Assert.False(feed.Publisher.RunRound());
            Assert.True(feed.Readiness.IsRaised(FeedPublisher.DiskCondition), "readiness must say the feed cannot be written");
            Assert.Equal(attempt, feed.Runtime.DiskWriteFailures.WithLabels(FeedStore.DiskStore).Value);
            Assert.Single(feed.Outbox.Pending(FeedPublisher.CursorName, 10));
            Assert.Empty(feed.Publisher.Current.Chains);
            Assert.Empty(Directory.GetFiles(Path.Combine(_disk.Root.FullName, "feed", "messages")));
        }

        _disk.Free();
        feed.Round();
        Assert.False(feed.Readiness.IsRaised(FeedPublisher.DiskCondition));
        CapAssert.Valid(Assert.Single(feed.Messages()));
        Assert.Empty(feed.Outbox.Pending(FeedPublisher.CursorName, 10));
    }

    public void Dispose() => _disk.Dispose();
}
