using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Validation;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using EcoMonitor.FirmwareSim.Signals;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Formats;

/// <summary>The simulator's native messages are what the service accepts.</summary>
public sealed class ComposerSmokeTests
{
    [Fact]
    public void A_native_message_of_every_kind_is_accepted_whole()
    {
        var fleet = new FleetOptions { Sites = 1, NodesPerKind = 1 };
        var model = new SignalModel(fleet.Seed);
        var composer = new MessageComposer(model, fleet.NodeCount, invalidEvery: 0);
        var ingestor = new MessageIngestor(PayloadFormats.Default, new ReadingValidator(MetricCatalog.Default, new ValidationOptions()), new DecoderLimits());
        var now = DateTimeOffset.UtcNow;
        foreach (var node in NodeIdentity.Layout(fleet))
        {
            var message = composer.Compose(node, 1, now);
            var result = ingestor.Ingest(new IncomingMessage(message.Topic, message.Payload, now), SubscriptionProfile.Native);
            Assert.Empty(result.Rejections);
            Assert.Equal(message.Readings, result.Accepted.Count);
        }
    }
}
