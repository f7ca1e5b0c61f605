using EcoMonitor.Core.Readings;
using EcoMonitor.Ingest.Ingestion;

namespace EcoMonitor.Service.Tests.Ingestion;

public sealed class DuplicateTrackerTests
{
    private readonly DuplicateTracker _tracker = new();

    [Fact]
    public void A_seq_sent_again_counts_each_of_its_readings_as_a_repeat()
    {
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 1, 2)));
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 2, 2)));
        Assert.Equal(2, _tracker.CountRepeats(Record("n1", 1, 2)));
    }

    [Fact]
    public void Readings_of_one_record_are_not_repeats_of_each_other()
    {
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 7, 5)));
    }

    [Fact]
    public void A_buffer_replayed_after_newer_live_readings_is_not_a_repeat()
    {
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 10, 1)));
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 20, 1)));
        Assert.Equal(0, _tracker.CountRepeats([.. Enumerable.Range(11, 9).SelectMany(s => Record("n1", s, 1))]));
        Assert.Equal(9, _tracker.CountRepeats([.. Enumerable.Range(11, 9).SelectMany(s => Record("n1", s, 1))]));
    }

    [Fact]
    public void Devices_are_told_apart_and_readings_without_seq_are_never_repeats()
    {
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 1, 1)));
        Assert.Equal(0, _tracker.CountRepeats(Record("n2", 1, 1)));
        Reading[] noSeq = [new(SensorKind.Air, "s", "n1", "pm25", 1, 1000)];
        Assert.Equal(0, _tracker.CountRepeats(noSeq));
        Assert.Equal(0, _tracker.CountRepeats(noSeq));
    }

    [Fact]
    public void Seqs_that_slid_out_of_the_window_are_forgotten()
    {
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 1, 1)));
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 1 + DuplicateTracker.Window, 1)));
        Assert.Equal(0, _tracker.CountRepeats(Record("n1", 1, 1)));
        Assert.Equal(1, _tracker.CountRepeats(Record("n1", 1 + DuplicateTracker.Window, 1)));
    }

    private static Reading[] Record(string device, long seq, int readings) =>
        [.. Enumerable.Range(0, readings).Select(i => new Reading(SensorKind.Air, "s", device, $"m{i}", i, 1000 + seq, seq))];
}
