using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Auth;

/// <summary>
/// Failed logins per name, and the lock after <see cref="AuthOptions.MaxFailedLogins"/> of them within
/// <see cref="AuthOptions.LockoutWindow"/> (docs/auth.md#lockout). Names that are not users are tracked too,
/// so a lock does not tell which names exist, but in a table of at most <see cref="MaxTrackedUnknown"/>:
/// a flood of made-up names evicts its own entries and never the users'.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time, IOptions<AuthOptions> options)
{
    public const int MaxTrackedUnknown = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private int _unknown;

    /// <summary>Names with failures or a lock now held (known and unknown).</summary>
    public int Tracked
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Until when <paramref name="name"/> is locked, or null.</summary>
    public DateTimeOffset? LockedUntil(string name)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return _entries.TryGetValue(name, out var e) && e.LockedUntil > now ? e.LockedUntil : null;
        }
    }

    /// <summary>Counts a failure; returns the end of the lock when this failure locked the name.</summary>
    public DateTimeOffset? Failed(string name, bool known)
    {
        if (!known && name.Length > AuthAccounts.MaxNameLength)
        {
            // No user can have such a name: nothing to protect, nothing to store.
            return null;
        }

        var now = time.GetUtcNow();
        var window = options.Value.LockoutWindow;
        lock (_lock)
        {
            if (!_entries.TryGetValue(name, out var e))
            {
                if (!known && _unknown >= MaxTrackedUnknown)
                {
                    EvictUnknown(now, window);
                }

                e = new Entry(known, now);
                _entries[name] = e;
                _unknown += known ? 0 : 1;
            }

            e.Last = now;
            if (now - e.First > window)
            {
                e.First = now;
                e.Failures = 0;
            }

            e.Failures++;
            if (e.Failures < options.Value.MaxFailedLogins)
            {
                return null;
            }

            e.Failures = 0;
            e.First = now;
            e.LockedUntil = now + window;
            return e.LockedUntil;
        }
    }

    /// <summary>A successful login forgets the name's failures.</summary>
    public void Succeeded(string name)
    {
        lock (_lock)
        {
            if (_entries.Remove(name, out var e) && !e.Known)
            {
                _unknown--;
            }
        }
    }

    // Under the lock. Drops the unknown names whose window and lock are over; if none, the least recent one.
    private void EvictUnknown(DateTimeOffset now, TimeSpan window)
    {
        string? oldest = null;
        var oldestAt = DateTimeOffset.MaxValue;
        foreach (var (name, e) in _entries)
        {
            if (e.Known)
            {
                continue;
            }

            if (now - e.Last > window && !(e.LockedUntil > now))
            {
                _entries.Remove(name);
                _unknown--;
            }
            else if (e.Last < oldestAt)
            {
                (oldest, oldestAt) = (name, e.Last);
            }
        }

        if (_unknown >= MaxTrackedUnknown && oldest is not null)
        {
            _entries.Remove(oldest);
            _unknown--;
        }
    }

    private sealed class Entry(bool known, DateTimeOffset first)
    {
        public bool Known { get; } = known;

        public DateTimeOffset First { get; set; } = first;

        public DateTimeOffset Last { get; set; } = first;

        public int Failures { get; set; }

        public DateTimeOffset? LockedUntil { get; set; }
    }
}
