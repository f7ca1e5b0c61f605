using System.Text.Json;
using EcoMonitor.Core.Decoding;
using Xunit;

namespace EcoMonitor.Core.Tests.Decoding;

/// <summary>The registration list: its order, the names and aliases it resolves, and each format's conventional topic.</summary>
public sealed class PayloadFormatsTests
{
    [Fact]
    public void The_standard_decoders_come_in_auto_order_as_new_instances_each_time()
    {
        var first = PayloadFormats.StandardDecoders();
        var second = PayloadFormats.StandardDecoders();

        Assert.Equal(["tts", "sensor-community", "tasmota", "senml", "native"], first.Select(d => d.Format));
        Assert.All(first.Zip(second), pair => Assert.NotSame(pair.First, pair.Second));
        Assert.Equal(first.Select(d => d.Format), PayloadFormats.Default.Names);
    }

    [Theory]
    [InlineData("native", "eco/{site}/{kind}/{device}", "eco/+/+/+", "")]
    [InlineData("senml", "senml/{site}/{kind}/{device}", "senml/+/+/+", "")]
    [InlineData("tts", "v3/+/devices/{device}/up", "v3/+/devices/+/up", "ttn")]
    [InlineData("tasmota", "tele/{device}/SENSOR", "tele/+/SENSOR", "")]
    [InlineData("sensor-community", "airrohr/{site}/{device}", "airrohr/+/+", "")]
    public void Each_format_carries_its_conventional_topic_and_aliases(string format, string pattern, string filter, string aliases)
    {
        var decoder = PayloadFormats.Default.Find(format);

        Assert.NotNull(decoder);
        Assert.Equal(pattern, decoder.ConventionalTopic.Pattern);
        Assert.Equal(filter, decoder.ConventionalTopic.Filter);
        Assert.Equal(aliases.Split(',', StringSplitOptions.RemoveEmptyEntries), decoder.Aliases);
        Assert.Same(decoder.ConventionalTopic, PayloadFormats.Default.ConventionalTopic(format));
    }

    /// <summary>The topics the firmware simulator publishes each format on (firmware-sim README, "Formats"), and TTS without a tenant.</summary>
    [Theory]
    [InlineData("native", "eco/site-01/air/air-01")]
    [InlineData("senml", "senml/site-01/water/water-02")]
    [InlineData("tts", "v3/eco-site-01-soil@ttn/devices/soil-03/up")]
    [InlineData("tts", "v3/air-quality/devices/node-1/up")]
    [InlineData("tasmota", "tele/tasmota_0A1B2C/SENSOR")]
    [InlineData("sensor-community", "airrohr/site-01/esp8266-10003")]
    public void The_conventional_topic_matches_what_devices_of_the_format_publish_on(string format, string topic)
    {
        Assert.True(PayloadFormats.Default.ConventionalTopic(format)!.TryMatch(topic, out _));
    }

    [Theory]
    [InlineData("tts")]
    [InlineData("TTS")]
    [InlineData("ttn")]
    [InlineData("TTN")]
    [InlineData("Ttn")]
    public void Ttn_names_the_things_stack_case_insensitively_and_results_carry_the_canonical_name(string name)
    {
        var formats = PayloadFormats.Default;
        var sample = ContractSamples.For(new TheThingsStackDecoder());
        var profile = new SubscriptionProfile { Format = name, Topic = sample.Profile.Topic, Site = sample.Profile.Site, Kind = sample.Profile.Kind };

        var result = formats.Decode(new DecodeContext(Samples.Message(sample.Payload, sample.Topic), profile, new DecoderLimits()));

        Assert.IsType<TheThingsStackDecoder>(formats.Find(name));
        Assert.True(formats.IsKnown(name));
        Assert.Equal("tts", formats.Canonical(name));
        Assert.Equal("tts", result.Format);
        Assert.Empty(result.Rejections);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("AUTO")]
    public void Auto_is_known_but_names_no_decoder_and_no_convention(string name)
    {
        Assert.True(PayloadFormats.Default.IsKnown(name));
        Assert.Equal(PayloadFormats.Auto, PayloadFormats.Default.Canonical(name));
        Assert.Null(PayloadFormats.Default.Find(name));
        Assert.Null(PayloadFormats.Default.ConventionalTopic(name));
    }

    [Theory]
    [InlineData("protobuf")]
    [InlineData("")]
    [InlineData("tts ")]
    [InlineData("the-things-network")]
    public void An_unknown_name_resolves_to_nothing(string name)
    {
        Assert.False(PayloadFormats.Default.IsKnown(name));
        Assert.Null(PayloadFormats.Default.Canonical(name));
        Assert.Null(PayloadFormats.Default.Find(name));
    }

    [Fact]
    public void Names_that_clash_are_refused_when_the_list_is_built()
    {
        Assert.Throws<ArgumentException>(() => new PayloadFormats([new NativeJsonDecoder(), new NativeJsonDecoder()]));
        Assert.Throws<ArgumentException>(() => new PayloadFormats([new TheThingsStackDecoder(), new Named("lorawan", "TTN")]));
        Assert.Throws<ArgumentException>(() => new PayloadFormats([new TheThingsStackDecoder(), new Named("TTS")]));
        Assert.Throws<ArgumentException>(() => new PayloadFormats([new Named("Auto")]));
        Assert.Throws<ArgumentException>(() => new PayloadFormats([new Named("x", "auto")]));
        Assert.Equal(["tts", "x"], new PayloadFormats([new TheThingsStackDecoder(), new Named("x", "y")]).Names);
    }

    /// <summary>A decoder that only has names.</summary>
    private sealed class Named(string format, params string[] aliases) : IPayloadDecoder
    {
        public string Format => format;

        public IReadOnlyList<string> Aliases => aliases;

        public TopicPattern ConventionalTopic => SubscriptionProfile.NativePattern;

        public bool Recognizes(JsonElement root, string topic) => false;

        public DecodeResult Decode(DecodeContext context) => DecodeResult.Rejected("invalid-shape", "a test decoder decodes nothing");
    }
}
