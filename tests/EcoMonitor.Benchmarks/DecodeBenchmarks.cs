using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Decoding;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Cost of one message through one <see cref="IPayloadDecoder"/>, per wire format
/// (<see cref="Payloads"/>: an air node's message as each format carries it, every reading
/// accepted by the service). One operation is one message; each case's name says how many
/// readings it holds. Baseline: the native format with one reading.
/// Decoding only: validation is <see cref="IngestBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private readonly DecoderLimits _limits = new();
    private readonly NativeJsonDecoder _native = new();
    private readonly SenmlDecoder _senmlDecoder = new();
    private readonly SensorCommunityDecoder _sensorCommunityDecoder = new();
    private readonly TasmotaDecoder _tasmotaDecoder = new();
    private readonly TheThingsStackDecoder _ttsDecoder = new();
    private DecodeContext _native1 = null!;
    private DecodeContext _native6 = null!;
    private DecodeContext _native50 = null!;
    private DecodeContext _auto50 = null!;
    private DecodeContext _senml = null!;
    private DecodeContext _sensorCommunity = null!;
    private DecodeContext _tasmota = null!;
    private DecodeContext _tts = null!;

    [GlobalSetup]
    public void Setup()
    {
        var node = Payloads.AirNode(new Fleet());
        _native1 = Context(Payloads.Native(node, 1));
        _native6 = Context(Payloads.Native(node, 6));
        _native50 = Context(Payloads.Native(node, 50));

        // A subscription that names no format: PayloadFormats parses once to pick the decoder, which parses again.
        _auto50 = Context(Payloads.Native(node, 50, new SubscriptionProfile { Format = PayloadFormats.Auto, Topic = SubscriptionProfile.NativePattern }));
        _senml = Context(Payloads.Senml(node));
        _sensorCommunity = Context(Payloads.SensorCommunity(node));
        _tasmota = Context(Payloads.Tasmota(node));
        _tts = Context(Payloads.TheThingsStack(node));
    }

    [Benchmark(Baseline = true, Description = "native, 1 reading")]
    public int Native1() => _native.Decode(_native1).Readings.Count;

    [Benchmark(Description = "native, 6 readings (1 record)")]
    public int Native6() => _native.Decode(_native6).Readings.Count;

    [Benchmark(Description = "native, 50 readings (9 records)")]
    public int Native50() => _native.Decode(_native50).Readings.Count;

    [Benchmark(Description = "auto → native, 50 readings")]
    public int Auto50() => PayloadFormats.Default.Decode(_auto50).Readings.Count;

    [Benchmark(Description = "senml, 6 readings")]
    public int Senml() => _senmlDecoder.Decode(_senml).Readings.Count;

    [Benchmark(Description = "sensor-community, 5 readings")]
    public int SensorCommunity() => _sensorCommunityDecoder.Decode(_sensorCommunity).Readings.Count;

    [Benchmark(Description = "tasmota, 5 readings")]
    public int Tasmota() => _tasmotaDecoder.Decode(_tasmota).Readings.Count;

    [Benchmark(Description = "tts, 6 readings")]
    public int TheThingsStack() => _ttsDecoder.Decode(_tts).Readings.Count;

    private DecodeContext Context(PayloadSample sample) => Payloads.CheckAccepted(sample).Context(_limits);
}
