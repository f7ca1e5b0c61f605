using System.Text;
using System.Text.RegularExpressions;

namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>
/// A shell-style glob for site and device names: <c>*</c> any run, <c>?</c> one character,
/// <c>[abc]</c>, <c>[a-z]</c>, <c>[!a-z]</c> a class, <c>\x</c> a literal. Whole-name match,
/// case-sensitive like topics.
/// </summary>
public sealed record Glob
{
    private readonly Regex? _regex;

    private Glob(string pattern, Regex? regex)
    {
        Pattern = pattern;
        _regex = regex;
    }

    public static Glob Any { get; } = new("*", null);

    public string Pattern { get; }

    public bool IsMatch(string value) => _regex is null || _regex.IsMatch(value);

    public override string ToString() => Pattern;

    public static bool TryParse(string pattern, out Glob glob, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        glob = Any;
        error = null;
        if (pattern == "*")
        {
            return true;
        }

        if (pattern.Length == 0)
        {
            error = "empty glob (use \"*\" for any)";
            return false;
        }

        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '\\':
                    if (i + 1 == pattern.Length)
                    {
                        error = $"glob '{pattern}' ends with an escape character";
                        return false;
                    }

                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        error = $"glob '{pattern}': '[' at position {i + 1} is not closed";
                        return false;
                    }

                    var body = pattern[(i + 1)..end];
                    var negated = body.StartsWith('!');
                    if (negated)
                    {
                        body = body[1..];
                    }

                    if (body.Length == 0)
                    {
                        error = $"glob '{pattern}': empty character class at position {i + 1}";
                        return false;
                    }

                    regex.Append(negated ? "[^" : "[");
                    for (var j = 0; j < body.Length; j++)
                    {
                        if (j + 2 < body.Length && body[j + 1] == '-')
                        {
                            if (body[j] > body[j + 2])
                            {
                                error = $"glob '{pattern}': range '{body[j]}-{body[j + 2]}' is reversed";
                                return false;
                            }

                            regex.Append(Regex.Escape(body[j].ToString())).Append('-').Append(Regex.Escape(body[j + 2].ToString()));
                            j += 2;
                        }
                        else
                        {
                            regex.Append(body[j] is '-' or '^' or ']' or '\\' ? "\\" + body[j] : Regex.Escape(body[j].ToString()));
                        }
                    }

                    regex.Append(']');
                    i = end;
                    break;
                case ']':
                    error = $"glob '{pattern}': ']' at position {i + 1} has no '['";
                    return false;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        regex.Append('$');

        // Compiled once per rule at load; matched for every reading, so no backtracking surprises.
        glob = new Glob(pattern, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
        return true;
    }

    public bool Equals(Glob? other) => other is not null && string.Equals(Pattern, other.Pattern, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Pattern);
}
