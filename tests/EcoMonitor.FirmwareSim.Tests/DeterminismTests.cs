using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests;

/// <summary>Acceptance 1: the same seed and options give a byte-identical (topic, payload) sequence.</summary>
public sealed class DeterminismTests
{
    private const int Messages = 2000;

    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, 250, TimeSpan.Zero);

    public static TheoryData<PayloadFormat> Formats => [.. PayloadFormatNames.All];

    /// <summary>Every fault kind, every 7th message: stuck runs, victims and clock jumps must be deterministic too.</summary>
    private static FleetOptions Options(PayloadFormat format, int seed) => new()
    {
        Format = format,
        Seed = seed,
        Sites = 2,
        NodesPerKind = 5,
        Interval = TimeSpan.FromSeconds(1),
        Duration = TimeSpan.FromMinutes(2),
        InvalidEvery = 7,
        Faults = FaultKinds.All,
    };

    private static List<(string Topic, byte[] Payload)> Sequence(FleetOptions options) =>
        [.. FleetScript.Messages(options, Start).Take(Messages).Select(m => (m.Message.Topic, m.Message.Payload))];

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_same_seed_gives_byte_identical_messages(PayloadFormat format)
    {
        var first = Sequence(Options(format, seed: 42));
        var second = Sequence(Options(format, seed: 42));

        Assert.Equal(Messages, first.Count);
        for (var i = 0; i < Messages; i++)
        {
            Assert.Equal(first[i].Topic, second[i].Topic);
            Assert.True(first[i].Payload.AsSpan().SequenceEqual(second[i].Payload), $"message {i} differs");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_current_culture_changes_nothing(PayloadFormat format)
    {
        var invariant = Sequence(Options(format, seed: 42));
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // Comma decimals and another minus sign: what a de-DE or sv-SE machine would format with.
            var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            culture.NumberFormat.NumberDecimalSeparator = ",";
            culture.NumberFormat.NegativeSign = "\u2212";
            CultureInfo.CurrentCulture = culture;
            var localized = Sequence(Options(format, seed: 42));
            Assert.Equal(Fingerprint(invariant), Fingerprint(localized));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Another_seed_gives_other_values(PayloadFormat format)
    {
        var first = Sequence(Options(format, seed: 42));
        var other = Sequence(Options(format, seed: 43));

        // Same fleet, same topics, same fault positions; the signals differ.
        Assert.Equal(first.Select(m => m.Topic), other.Select(m => m.Topic));
        var differing = first.Zip(other).Count(pair => !pair.First.Payload.AsSpan().SequenceEqual(pair.Second.Payload));
        Assert.True(differing > Messages * 9 / 10, $"only {differing} of {Messages} payloads differ");
    }

    /// <summary>
    /// Across processes and machines, not only within this one: pinned fingerprints of the first 2,000 messages.
    /// A deliberate change of a format or of the signal model changes them; update them then, never otherwise.
    /// </summary>
    [Theory]
    [InlineData(PayloadFormat.Native, "6C0F0BDC821A13593B64E1B5D2F8326A77480BFF0DA814562A3868C4B02AA443")]
    [InlineData(PayloadFormat.Senml, "59A6720D49B184DC83445100D339938747211F0B25A36C9B0AA08B3E56B1F601")]
    [InlineData(PayloadFormat.Tts, "175809C839ACF63B89635886D26B3EDD4C660B44DC4A9F651CE4C1414B316989")]
    [InlineData(PayloadFormat.SensorCommunity, "1D5E7E86B7DF3ABB339546698F47CAAD03F1F04ED9F56D27DDB189893C76AB3F")]
    public void The_sequence_is_the_same_on_every_run(PayloadFormat format, string fingerprint) =>
        Assert.Equal(fingerprint, Fingerprint(Sequence(Options(format, seed: 42))));

    /// <summary>
    /// Native messages with the classic faults are what the simulator sent before formats and new faults existed:
    /// pinned from that version (seed 7, 2 sites × 3 nodes per kind, every 7th message bad, 20 ticks).
    /// </summary>
    [Fact]
    public void Native_messages_are_unchanged_from_before_formats()
    {
        const string Before = "CB3FE60F140ADA65454B2A8BCE1414FA1D2F53C4981B6106EF3B06E5AB9A2297";
        var options = new FleetOptions { Sites = 2, NodesPerKind = 3, Seed = 7, InvalidEvery = 7, Duration = TimeSpan.FromSeconds(20) };
        var nodes = NodeIdentity.Layout(options);
        var start = new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

        var legacy = new MessageComposer(new SignalModel(options.Seed), nodes.Count, options.InvalidEvery);
        var messages = new List<(string, byte[])>();
        for (var seq = 1L; seq <= 20; seq++)
        {
            foreach (var node in nodes)
            {
                var message = legacy.Compose(node, seq, start + TimeSpan.FromSeconds(seq - 1));
                messages.Add((message.Topic, message.Payload));
            }
        }

        Assert.Equal(Before, Fingerprint(messages));
        var scripted = FleetScript.Messages(options, start).Select(m => (m.Message.Topic, m.Message.Payload)).ToList();
        Assert.Equal(Before, Fingerprint(scripted));
    }

    [Fact]
    public void A_second_pass_over_a_script_starts_afresh()
    {
        var script = FleetScript.Messages(Options(PayloadFormat.Native, seed: 42) with { Faults = [FaultKind.StuckValue] }, Start);
        var first = script.Take(500).Select(m => Encoding.UTF8.GetString(m.Message.Payload)).ToList();
        var second = script.Take(500).Select(m => Encoding.UTF8.GetString(m.Message.Payload)).ToList();
        Assert.Equal(first, second);
    }

    private static string Fingerprint(IEnumerable<(string Topic, byte[] Payload)> messages)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (topic, payload) in messages)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(topic + "\n"));
            hash.AppendData(payload);
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
