
namespace EcoMonitor.Notifications.Delivery;

/// <summary>
/// How one channel is doing, as <c>/health/ready</c> shows it under <c>notifications</c> (see
/// docs/notifications.md, "Supervision"). Serialised when the health endpoint is read, so it is
/// always current; it never makes the service not-ready: a channel that is down delays its own
/// notifications, not ingestion.
/// </summary>
internal sealed class ChannelHealth(Func<double> pending)
{
    public const string Running = "running";

    /// <summary>The last delivery failed; the worker waits before it tries again.</summary>
    public const string BackingOff = "backing-off";

    /// <summary>The worker (or the resend loop) threw; it is restarted after a backoff.</summary>
    public const string Restarting = "restarting";

    public const string Stopped = "stopped";

    /// <summary>The channel could not be set up at start: it delivers nothing until the service restarts.</summary>
    public const string Failed = "failed";

    private readonly Lock _gate = new();
    private string _state = Running;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private int _restarts;

    public string State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Notifications in the outbox not yet done for this channel.</summary>
    public double Pending => pending();

    /// <summary>The last failure, delivery or crash: exception type and message (as logged at Warning or Error).</summary>
    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    public DateTimeOffset? LastErrorAt
    {
        get
        {
            lock (_gate)
            {
                return _lastErrorAt;
            }
        }
    }

    /// <summary>Restarts after a crash of the delivery or resend loop.</summary>
    public int Restarts
    {
        get
        {
            lock (_gate)
            {
                return _restarts;
            }
        }
    }

    internal void Delivered() => Set(Running);

    internal void DeliveryFailed(Exception exception, DateTimeOffset at) => Set(BackingOff, exception, at);

    internal void Crashed(Exception exception, DateTimeOffset at)
    {
        lock (_gate)
        {
            _restarts++;
        }

        Set(Restarting, exception, at);
    }

    internal void Restarted()
    {
        lock (_gate)
        {
            if (_state == Restarting)
            {
                _state = Running;
            }
        }
    }

    internal void Stop() => Set(Stopped);

    internal void SetUpFailed(Exception exception, DateTimeOffset at) => Set(Failed, exception, at);

    private void Set(string state, Exception? exception = null, DateTimeOffset at = default)
    {
        lock (_gate)
        {
            _state = state;
            if (exception is not null)
            {
                _lastError = $"{exception.GetType().Name}: {exception.Message}";
                _lastErrorAt = at;
            }
        }
    }
}
