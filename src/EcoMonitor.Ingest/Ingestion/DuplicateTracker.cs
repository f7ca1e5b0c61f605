using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// Notices readings a device sends again (a replayed buffer sent twice, a resend, a broker
/// redelivery) by their <c>seq</c>. They are stored anyway — they overwrite themselves — but
/// counted, so an operator sees how much is resent. Per device it remembers the highest seq and
/// which of the <see cref="Window"/> seqs below it were seen, so a buffer replayed out of order
/// is not mistaken for a repeat. Bounded: past <see cref="MaxDevices"/> devices the memory is
/// reset rather than grown.
/// </summary>
internal sealed class DuplicateTracker
{
    public const int MaxDevices = 100_000;
    public const int Window = 1024;
    private readonly Dictionary<(SensorKind, string, string), SeenSeqs> _devices = [];
    private readonly Lock _lock = new();

    // The (device, seq) pairs of the message being judged: one set, cleared per message, under the lock.
    private readonly Dictionary<(SensorKind, string, string, long), bool> _judged = [];

    /// <summary>How many of <paramref name="readings"/> repeat a seq their device sent in an earlier message.</summary>
    public int CountRepeats(IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var repeats = 0;
        lock (_lock)
        {
            // Readings of one record share a seq: judge each (device, seq) once per message,
            // before marking any of them seen.
            var judged = _judged;
            judged.Clear();
            foreach (var reading in readings)
            {
                if (reading.Seq is not { } seq)
                {
                    continue;
                }

                var key = (reading.Kind, reading.Site, reading.Device, seq);
                if (!judged.TryGetValue(key, out var repeated))
                {
                    repeated = _devices.TryGetValue((reading.Kind, reading.Site, reading.Device), out var seen) && seen.Contains(seq);
                    judged[key] = repeated;
                }

                if (repeated)
                {
                    repeats++;
                }
            }

            foreach (var (kind, site, device, seq) in judged.Keys)
            {
                if (!_devices.TryGetValue((kind, site, device), out var seen))
                {
                    if (_devices.Count >= MaxDevices)
                    {
                        _devices.Clear();
                    }

                    seen = new SeenSeqs();
                    _devices[(kind, site, device)] = seen;
                }

                seen.Add(seq);
            }

            var large = judged.Count > 1024;
            judged.Clear();
            if (large)
            {
                // A replayed batch of thousands of records: its room is not kept for the next message.
                judged.TrimExcess();
            }
        }

        return repeats;
    }

    /// <summary>The highest seq and a bitmap of the <see cref="Window"/> seqs at and below it.</summary>
    private sealed class SeenSeqs
    {
        private readonly ulong[] _bits = new ulong[Window / 64];
        private long _highest = -1;

        public bool Contains(long seq)
        {
            var offset = _highest - seq;
            return _highest >= 0 && offset >= 0 && offset < Window && (_bits[Slot(seq)] & Bit(seq)) != 0;
        }

        public void Add(long seq)
        {
            if (seq > _highest)
            {
                // Forget the seqs that slide out of the window.
                var shift = _highest < 0 ? Window : Math.Min(seq - _highest, Window);
                for (var s = seq - shift + 1; s <= seq; s++)
                {
                    _bits[Slot(s)] &= ~Bit(s);
                }

                _highest = seq;
            }
            else if (_highest - seq >= Window)
            {
                return;
            }

            _bits[Slot(seq)] |= Bit(seq);
        }

        private static int Slot(long seq) => (int)((ulong)seq % Window / 64);

        private static ulong Bit(long seq) => 1UL << (int)((ulong)seq % 64);
    }
}
