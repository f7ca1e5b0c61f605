namespace EcoMonitor.Core.Decoding;

/// <summary>
/// A subscription topic with named levels: <c>eco/{site}/{kind}/{device}</c>,
/// <c>v3/+/devices/{device}/up</c>, <c>tele/{device}/SENSOR</c>. A <c>{name}</c> level matches
/// one level and captures it; <c>+</c> and a final <c>#</c> are MQTT wildcards. The MQTT filter
/// to subscribe to is the pattern with every <c>{name}</c> replaced by <c>+</c>.
/// </summary>
public sealed class TopicPattern
{
    private readonly string[] _levels;

    private TopicPattern(string pattern, string[] levels)
    {
        Pattern = pattern;
        _levels = levels;
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
        var levels = topic.Split('/');
        for (var i = 0; i < _levels.Length; i++)
        {
            var pattern = _levels[i];
            if (pattern == "#")
            {
                return true;
            }

            if (i >= levels.Length)
            {
                return false;
            }

            if (IsCapture(pattern))
            {
                captures[pattern[1..^1]] = levels[i];
            }
            else if (pattern != "+" && pattern != levels[i])
            {
                return false;
            }
        }

        return levels.Length == _levels.Length;
    }

    public override string ToString() => Pattern;

    private static bool IsCapture(string level) =>
        level.Length >= 2 && level[0] == '{' && level.IndexOf('}', StringComparison.Ordinal) == level.Length - 1 && level.LastIndexOf('{') == 0;
}
