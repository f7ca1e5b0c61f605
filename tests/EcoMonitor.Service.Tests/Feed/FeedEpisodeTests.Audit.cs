using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Xml.Linq;
using EcoMonitor.Audit.Merkle;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Audit;
using EcoMonitor.Service.Tests.Audit;
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
    public async Task Each_atom_entry_names_the_leaf_of_its_messages_record_which_proves_inclusion_and_survives_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var log = new TestAuditLog().Start();
        using var feed = new FeedScenario(_data.FullName, trail: log.Log);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 80);
        feed.Round();

        // Before the record is durable, the entry names no leaf.
        Assert.Null(Leaf(Entries(feed).Single()));
        await feed.Publisher.AppendAuditAsync(ct);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 80, site: "river");
        feed.Round();
        await feed.Publisher.AppendAuditAsync(ct);
        Assert.True(log.Log.WriteCheckpointIfGrown());
        var checkpoint = Checkpoint.Open(log.Log.LatestCheckpoint!, log.Verifier);

        void AssertLeaves()
        {
            var entries = Entries(feed);
            Assert.Equal(2, entries.Count);
            foreach (var entry in entries)
            {
                var identifier = entry.Element(CapAssert.Cap + "identifier")!.Value;
                var leaf = Leaf(entry) ?? throw new Xunit.Sdk.XunitException($"entry {identifier} names no leaf");
                Assert.EndsWith(string.Create(CultureInfo.InvariantCulture, $"/api/audit/entries?start={leaf}&count=1"), (string?)entry.Elements(CapAssert.Atom + "link").Single(l => (string?)l.Attribute("rel") == "related").Attribute("href"), StringComparison.Ordinal);

                // The leaf is the cap record of exactly the bytes served, and it is in the signed tree.
                var bytes = log.Log.Entries((ulong)leaf, 1).Single().Leaf;
                using var record = JsonDocument.Parse(bytes);
                Assert.Equal(AuditRecordTypes.Cap, record.RootElement.GetProperty("type").GetString());
                Assert.Equal(identifier, record.RootElement.GetProperty("identifier").GetString());
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(feed.Reader.Message(identifier)!.Bytes)), record.RootElement.GetProperty("sha256").GetString());
                var proof = log.Log.Inclusion((ulong)leaf, checkpoint.Size);
                Assert.True(MerkleVerifier.VerifyInclusion((ulong)leaf, checkpoint.Size, Rfc6962.LeafHash(bytes), proof.Path, checkpoint.RootHash.ToArray()).IsValid);
            }
        }

        AssertLeaves();
        feed.Restart();
        AssertLeaves();
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
        Assert.Null(Leaf(Entries(feed).Single()));
    }

    private static List<XElement> Entries(FeedScenario feed) =>
        [.. CapAssert.AtomIndex(feed.Reader.Index(new Uri("http://feed.test")).Bytes).Elements(CapAssert.Atom + "entry")];

    private static long? Leaf(XElement entry) =>
        entry.Element(XName.Get("auditLeaf", EcoMonitor.Feed.Publishing.FeedReader.AuditNamespace)) is { } leaf ? long.Parse(leaf.Value, CultureInfo.InvariantCulture) : null;
}
