using System.Text;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;
using EcoMonitor.Ingest.Ingestion;

namespace EcoMonitor.Service.Tests.Sensors;

/// <summary>The node status topic and payload (docs/mqtt.md#node-status).</summary>
public sealed class NodeStatusTopicTests
{
    [Theory]
    [InlineData("online", "online")]
    [InlineData("offline", "offline")]
    [InlineData(" Offline\n", "offline")]
    [InlineData("", null)]
    public void A_status_word_or_an_empty_payload_is_read(string payload, string? expected)
    {
        Assert.True(NodeStatusTopic.TryParse("eco/site-1/water/w.1/status", Encoding.UTF8.GetBytes(payload), out var address, out var announced, out _));
        Assert.Equal((new SensorAddress(SensorKind.Water, "site-1", "w.1"), expected), (address, announced));
    }

    [Theory]
    [InlineData("eco/site-1/air/n1/status", "gone", RejectionCodes.InvalidStatus)]
    [InlineData("eco/site-1/air/n1/status", "{\"status\":\"online\"}", RejectionCodes.InvalidStatus)]
    [InlineData("eco/site-1/fire/n1/status", "online", RejectionCodes.BadTopic)]
    [InlineData("eco/site 1/air/n1/status", "online", RejectionCodes.BadTopic)]
    public void Anything_else_is_refused_with_its_reason(string topic, string payload, string code)
    {
        Assert.True(NodeStatusTopic.IsStatusTopic(topic));
        Assert.False(NodeStatusTopic.TryParse(topic, Encoding.UTF8.GetBytes(payload), out _, out _, out var rejection));
        Assert.Equal(code, rejection.Code);
    }

    [Fact]
    public void A_long_payload_is_refused_unread()
    {
        Assert.False(NodeStatusTopic.TryParse("eco/s/air/n/status", new byte[NodeStatusTopic.MaxPayloadBytes + 1], out _, out _, out var rejection));
        Assert.Equal(RejectionCodes.InvalidStatus, rejection.Code);
    }

    [Theory]
    [InlineData("eco/s/air/n", false)]
    [InlineData("eco/s/air/n/status/x", false)]
    [InlineData("tele/s/air/n/status", false)]
    [InlineData("eco/+/+/+/status", true)]
    public void Only_five_level_eco_status_topics_are_status_topics(string topic, bool expected) =>
        Assert.Equal(expected, NodeStatusTopic.IsStatusTopic(topic));
}
