using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>The disk spool's format and bounds: what is appended comes back, in order, across restarts; damage is found.</summary>
public sealed class DiskSpoolTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-spool-");
    private readonly IngestMetrics _metrics = new(new RuntimeMetrics());

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
        var (read, segments) = await ReadAllAsync(reopened, ct);

        Assert.True(segments > 1, "the records should span several segments");
        Assert.Equal(Enumerable.Range(0, 40).SelectMany(i => new[] { $"air,device=d,site=s pm25={i} {1000 + i}", $"air,device=d,site=s pm10={i} {1000 + i}" }), read);
        Assert.Equal(0, reopened.Bytes);
        Assert.Empty(Directory.GetFiles(reopened.Directory, "*.seg"));
    }

    [Fact]
    public async Task An_append_on_a_full_disk_throws_leaves_no_torn_record_and_the_spool_works_again_when_space_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = SmallFileSystem.MountOrSkip(1 << 20);
        using var spool = Open(dataDirectory: disk.Root.FullName);
        Assert.True(spool.TryAppend(Batch(0)));
        Assert.True(spool.TryAppend(Batch(1)));

        // Larger than the slack of the segment's last page: the kernel takes part of it, then ENOSPC.
        disk.Fill();
        Assert.ThrowsAny<IOException>(() => spool.TryAppend(Batch(2)));
        Assert.ThrowsAny<IOException>(() => spool.TryAppend(Batch(3)));

        Assert.Equal(Directory.GetFiles(spool.Directory, "*.seg").Sum(f => new FileInfo(f).Length), spool.Bytes);
        Assert.Equal(spool.Bytes, _metrics.SpoolBytes.Value);
        Assert.Equal(2, _metrics.DiskWriteFailures.WithLabels(DiskStores.Spool).Value);

        disk.Free();
        Assert.True(spool.TryAppend(Batch(4)));
        var (read, _) = await ReadAllAsync(spool, ct);
        Assert.Equal([.. Batch(0), .. Batch(1), .. Batch(4)], read);
        Assert.Equal(0, spool.Bytes);
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

    /// <summary>300 points, about 11 KB.</summary>
    private static List<string> Batch(int n) => [.. Enumerable.Range(0, 300).Select(i => $"air,device=d,site=s pm25={n} {1000 + i}")];

    /// <summary>Replays the whole spool as the replayer does, demanding that no segment is damaged.</summary>
    private static async Task<(List<string> Lines, int Segments)> ReadAllAsync(DiskSpool spool, CancellationToken ct)
    {
        var read = new List<string>();
        var segments = 0;
        while (spool.OldestSegment() is { } segment)
        {
            segments++;
            using (var reader = new SpoolSegmentReader(segment))
            {
                while (await reader.ReadNextAsync(ct) is { } lines)
                {
                    read.AddRange(lines);
                }

                Assert.True(reader.DamagedBytes == 0, $"{Path.GetFileName(segment)}: {reader.Damage}");
            }

            spool.Remove(segment);
        }

        return (read, segments);
    }

    private DiskSpool Open(long maxBytes = 1 << 20, int segmentBytes = 1 << 20, string? dataDirectory = null) =>
        new(
            MsOptions.Create(new SpoolOptions { MaxBytes = maxBytes, SegmentBytes = segmentBytes }),
            MsOptions.Create(new DataDirectoryOptions { DataDirectory = dataDirectory ?? _data.FullName }),
            _metrics,
            NullLogger<DiskSpool>.Instance);
}
