using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using EcoMonitor.FirmwareSim.Signals;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Formats;

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
    [InlineData(PayloadFormat.Native, "6D13253452B34515AD31F26F0479BF12341759A0A916A6B8A0E2554864F41783")]
    [InlineData(PayloadFormat.Senml, "FEECF49D6DF8C91009480961E54EF72A16E583F376570A976B5CA21E1852800B")]
    [InlineData(PayloadFormat.Tts, "90AC76E17376B4A87FF4D70E2E2B14B26E4595A2DA425D0775D9ADE0ED9D6CB9")]
    [InlineData(PayloadFormat.SensorCommunity, "51A4BECACF28769CDF6812D2F89B6D993F788B8AFC5D28153F28A10DBEF41DE4")]
    public void The_sequence_is_the_same_on_every_run(PayloadFormat format, string fingerprint) =>
        Assert.Equal(fingerprint, Fingerprint(Sequence(Options(format, seed: 42))));

    /// <summary>
    /// The composer of the original CLI (native, classic faults) and the script over the same options
    /// give the same bytes: the formats and new faults changed nothing for native output.
    /// </summary>
    [Fact]
    public void Native_messages_of_the_classic_composer_and_of_the_script_are_the_same()
    {
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

        var scripted = FleetScript.Messages(options, start).Select(m => (m.Message.Topic, m.Message.Payload)).ToList();
        Assert.Equal(Fingerprint(messages), Fingerprint(scripted));
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
