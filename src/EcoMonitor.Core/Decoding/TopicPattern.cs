using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// A subscription topic with named levels: <c>eco/{site}/{kind}/{device}</c>,
/// <c>v3/+/devices/{device}/up</c>, <c>tele/{device}/SENSOR</c>. A <c>{name}</c> level matches
/// one level and captures it; <c>+</c> and a final <c>#</c> are MQTT wildcards. The MQTT filter
/// to subscribe to is the pattern with every <c>{name}</c> replaced by <c>+</c>.
/// </summary>
public sealed class TopicPattern
{
    private const int MaxStackLevels = 32;

    private readonly string[] _levels;
    private readonly int _siteLevel;
    private readonly int _kindLevel;
    private readonly int _deviceLevel;

    private TopicPattern(string pattern, string[] levels)
    {
        Pattern = pattern;
        _levels = levels;
        _siteLevel = Array.IndexOf(levels, "{site}");
        _kindLevel = Array.IndexOf(levels, "{kind}");
        _deviceLevel = Array.IndexOf(levels, "{device}");
        Filter = string.Join('/', levels.Select(l => IsCapture(l) ? "+" : l));
    }

    public string Pattern { get; }

    /// <summary>The MQTT topic filter.</summary>
    public string Filter { get; }

    public IEnumerable<string> Captures => _levels.Where(IsCapture).Select(l => l[1..^1]);

    public static TopicPattern Parse(string pattern) =>
        TryParse(pattern, out var parsed, out var error) ? parsed : throw new FormatException(error);

    public static bool TryParse(string pattern, out TopicPattern parsed, out string error)
    {
        parsed = null!;
        if (string.IsNullOrEmpty(pattern))
        {
            error = "a topic pattern must not be empty";
            return false;
        }

        var levels = pattern.Split('/');
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (IsCapture(level))
            {
                if (level.Length == 2 || !names.Add(level[1..^1]))
                {
                    error = $"topic pattern '{pattern}': level '{level}' is empty or repeats a name";
                    return false;
                }
            }
            else if (level.Contains('{', StringComparison.Ordinal) || level.Contains('}', StringComparison.Ordinal))
            {
                error = $"topic pattern '{pattern}': a {{name}} must be a whole level, not part of '{level}'";
                return false;
            }
            else if ((level.Contains('+', StringComparison.Ordinal) && level != "+")
                || (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1)))
            {
                error = $"topic pattern '{pattern}': wildcards must be whole levels, and # only the last";
                return false;
            }
        }

        parsed = new TopicPattern(pattern, levels);
        error = string.Empty;
        return true;
    }

    /// <summary>Matches a concrete topic; the captures are the values of the named levels.</summary>
    public bool TryMatch(string topic, out Dictionary<string, string> captures)
    {
        ArgumentNullException.ThrowIfNull(topic);
        captures = new Dictionary<string, string>(StringComparer.Ordinal);
        Span<Range> levels = _levels.Length <= MaxStackLevels ? stackalloc Range[_levels.Length] : new Range[_levels.Length];
        if (!Match(topic, levels))
        {
            return false;
        }

        for (var i = 0; i < _levels.Length && _levels[i] != "#"; i++)
        {
            if (IsCapture(_levels[i]))
            {
                captures[_levels[i][1..^1]] = topic[levels[i]];
            }
        }

        return true;
    }

    /// <summary>Whether a concrete topic matches; allocates nothing (every message is matched to its subscription).</summary>
    public bool IsMatch(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return Match(topic, []);
    }

    /// <summary>
    /// Matches a concrete topic and gives the values of its <c>{site}</c>, <c>{kind}</c> and
    /// <c>{device}</c> levels (null where the pattern has none): a reading's address, without the
    /// dictionary of <see cref="TryMatch"/>. A known kind comes back as its constant name.
    /// </summary>
    public bool TryMatchAddress(string topic, out string? site, out string? kind, out string? device)
    {
        ArgumentNullException.ThrowIfNull(topic);
        site = kind = device = null;
        Span<Range> levels = _levels.Length <= MaxStackLevels ? stackalloc Range[_levels.Length] : new Range[_levels.Length];
        if (!Match(topic, levels))
        {
            return false;
        }

        if (_siteLevel >= 0)
        {
            site = topic[levels[_siteLevel]];
        }

        if (_deviceLevel >= 0)
        {
            device = topic[levels[_deviceLevel]];
        }

        if (_kindLevel >= 0)
        {
            var name = topic.AsSpan()[levels[_kindLevel]];
            kind = SensorKinds.TryParse(name, out var parsed) ? parsed.ToName() : name.ToString();
        }

        return true;
    }

    /// <summary>The level-by-level match; records each matched level's range when <paramref name="levels"/> has room.</summary>
    private bool Match(string topic, Span<Range> levels)
    {
        var start = 0;
        var more = true;
        for (var i = 0; i < _levels.Length; i++)
        {
            var pattern = _levels[i];
            if (pattern == "#")
            {
                return true;
            }

            if (!more)
            {
                return false;
            }

            var slash = topic.IndexOf('/', start);
            var end = slash < 0 ? topic.Length : slash;
            if (pattern != "+" && !IsCapture(pattern) && !topic.AsSpan(start, end - start).SequenceEqual(pattern))
            {
                return false;
            }

            if (levels.Length > i)
            {
                levels[i] = new Range(start, end);
            }

            more = slash >= 0;
            start = end + 1;
        }

        return !more;
    }

    public override string ToString() => Pattern;

    private static bool IsCapture(string level) =>
        level.Length >= 2 && level[0] == '{' && level.IndexOf('}', StringComparison.Ordinal) == level.Length - 1 && level.LastIndexOf('{') == 0;
}
