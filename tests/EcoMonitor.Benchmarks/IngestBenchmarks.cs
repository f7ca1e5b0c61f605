using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Cost of <see cref="MessageIngestor.Ingest"/> for one native message of an air node (decode,
/// validate every reading against the catalog and the clock, the record checks, the verdict), as
/// <c>MessageHandler</c> calls it for every message; against decoding alone (the baseline), so
/// Ratio shows what validation adds. One operation is one message.
/// </summary>
[MemoryDiagnoser]
public class IngestBenchmarks
{
    private readonly NativeJsonDecoder _decoder = new();
    private MessageIngestor _ingestor = null!;
    private PayloadSample _sample = null!;
    private IncomingMessage _message = null!;
    private DecodeContext _context = null!;

    /// <summary>1: one reading per message; 50: nine records of a replayed buffer.</summary>
    [Params(1, 50)]
    public int Readings { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ingestor = Payloads.Ingestor();
        _sample = Payloads.CheckAccepted(Payloads.Native(Payloads.AirNode(new Fleet()), Readings));
        _message = _sample.Message;
        _context = _sample.Context(new DecoderLimits());
    }

    [Benchmark(Baseline = true, Description = "decode only (native)")]
    public int Decode() => _decoder.Decode(_context).Readings.Count;

    [Benchmark(Description = "Ingest: decode + validate")]
    public int Ingest() => _ingestor.Ingest(_message, _sample.Profile).Accepted.Count;
}
