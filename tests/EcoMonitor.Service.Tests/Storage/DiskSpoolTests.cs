using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Observability;
using EcoMonitor.Service.Storage.Spool;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>The disk spool's format and bounds: what is appended comes back, in order, across restarts; damage is found.</summary>
public sealed class DiskSpoolTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-spool-");
    private readonly IngestMetrics _metrics = new();

    [Fact]
    public async Task Records_come_back_in_order_across_segments_and_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var spool = Open(segmentBytes: 1024))
        {
            for (var i = 0; i < 40; i++)
            {
                Assert.True(spool.TryAppend([$"air,device=d,site=s pm25={i} {1000 + i}", $"air,device=d,site=s pm10={i} {1000 + i}"]));
            }
        }

        using var reopened = Open(segmentBytes: 1024);
        var read = new List<string>();
        var segments = 0;
        while (reopened.OldestSegment() is { } segment)
        {
            segments++;
            using (var reader = new SpoolSegmentReader(segment))
            {
                while (await reader.ReadNextAsync(ct) is { } lines)
                {
                    read.AddRange(lines);
                }

                Assert.Equal(0, reader.DamagedBytes);
            }

            reopened.Remove(segment);
        }

        Assert.True(segments > 1, "the records should span several segments");
        Assert.Equal(Enumerable.Range(0, 40).SelectMany(i => new[] { $"air,device=d,site=s pm25={i} {1000 + i}", $"air,device=d,site=s pm10={i} {1000 + i}" }), read);
        Assert.Equal(0, reopened.Bytes);
        Assert.Empty(Directory.GetFiles(reopened.Directory, "*.seg"));
    }

    [Fact]
    public void An_append_that_would_pass_the_bound_is_refused_and_the_spool_keeps_what_it_has()
    {
        using var spool = Open(maxBytes: 100);
        Assert.True(spool.TryAppend(["air,device=d,site=s pm25=1 1000"]));
        var bytes = spool.Bytes;
        Assert.False(spool.TryAppend([new string('x', 100)]));
        Assert.Equal(bytes, spool.Bytes);
        Assert.Equal(bytes, _metrics.SpoolBytes.Value);
    }

    [Theory]
    [InlineData(5)] // torn header
    [InlineData(20)] // torn payload
    public async Task A_torn_tail_is_found_and_the_intact_records_before_it_are_read(int bytesOfLastRecord)
    {
        var ct = TestContext.Current.CancellationToken;
        string segment;
        using (var spool = Open())
        {
            spool.TryAppend(["air,device=d,site=s pm25=1 1000"]);
            spool.TryAppend(["air,device=d,site=s pm25=2 2000"]);
            segment = spool.OldestSegment()!;
        }

        // A crash in the middle of an append.
        var torn = SpoolRecordFormat.Encode(["air,device=d,site=s pm25=3 3000"]).AsSpan(0, bytesOfLastRecord).ToArray();
        await File.AppendAllBytesAsync(segment, torn, ct);

        using var reader = new SpoolSegmentReader(segment);
        Assert.Equal(["air,device=d,site=s pm25=1 1000"], await reader.ReadNextAsync(ct));
        Assert.Equal(["air,device=d,site=s pm25=2 2000"], await reader.ReadNextAsync(ct));
        Assert.Null(await reader.ReadNextAsync(ct));
        Assert.Equal(bytesOfLastRecord, reader.DamagedBytes);
        Assert.Contains("torn", reader.Damage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flipped_bit_fails_the_checksum()
    {
        var ct = TestContext.Current.CancellationToken;
        string segment;
        using (var spool = Open())
        {
            spool.TryAppend(["air,device=d,site=s pm25=1 1000"]);
            segment = spool.OldestSegment()!;
        }

        var bytes = await File.ReadAllBytesAsync(segment, ct);
        bytes[^3] ^= 0x04;
        await File.WriteAllBytesAsync(segment, bytes, ct);

        using var reader = new SpoolSegmentReader(segment);
        Assert.Null(await reader.ReadNextAsync(ct));
        Assert.Equal(bytes.Length, reader.DamagedBytes);
        Assert.Contains("checksum", reader.Damage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_segment_is_kept_aside_as_evidence()
    {
        using var spool = Open();
        spool.TryAppend(["air,device=d,site=s pm25=1 1000"]);
        var segment = spool.OldestSegment()!;

        spool.Remove(segment, damaged: true);

        Assert.False(File.Exists(segment));
        Assert.True(File.Exists(Path.Combine(spool.Directory, "damaged", Path.GetFileName(segment))));
        Assert.Null(spool.OldestSegment());
        Assert.Equal(0, spool.Bytes);
    }

    public void Dispose() => _data.Delete(recursive: true);

    private DiskSpool Open(long maxBytes = 1 << 20, int segmentBytes = 1 << 20) =>
        new(
            MsOptions.Create(new SpoolOptions { MaxBytes = maxBytes, SegmentBytes = segmentBytes }),
            MsOptions.Create(new EcoMonitorOptions { DataDirectory = _data.FullName }),
            _metrics,
            NullLogger<DiskSpool>.Instance);
}
