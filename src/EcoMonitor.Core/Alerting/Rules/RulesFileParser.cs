using System.Globalization;
using System.Text.RegularExpressions;
using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>
/// Reads the alert rules file (docs/alert-rules.md) into <see cref="AlertRule"/>s and
/// lists every problem with its line and column. Works on the YAML node tree rather than a
/// deserializer so that each problem can name its line and one bad rule does not hide the next.
/// Metrics are checked against the catalog given, so catalog extensions from configuration count.
/// Thresholds outside a metric's plausible range are errors: such readings are rejected at
/// ingestion, so the rule could never fire (or would always fire) — usually a unit mistake.
/// </summary>
public sealed partial class RulesFileParser(MetricCatalog catalog)
{
    private static readonly string[] RuleKeys =
    [
        "name", "description", "kind", "metric", "site", "device", "above", "below", "outside",
        "clear_below", "clear_above", "levels", "for", "severity", "deadman", "stuck", "rate",
        "window", "aqi", "profile", "public", "public_title",
    ];

    private static readonly string[] LevelKeys = ["severity", "above", "below", "outside", "clear_below", "clear_above"];
    private static readonly string[] ThresholdKeys = ["above", "below", "outside", "levels"];
    private static readonly string[] ConditionFamilies = ["threshold", "deadman", "stuck", "rate", "aqi", "profile"];

    public RulesFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = new StringReader(text);
        return Parse(reader);
    }

    public RulesFile Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var session = new Session(catalog);
        var stream = new YamlStream();
        var scanner = new Scanner(reader);
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            // Parsing stops at a syntax error: that one problem is all YAML can tell us.
            session.Problems.Add(new RuleProblem(ProblemSeverity.Error, Line(ex.Start), Column(ex.Start), "YAML syntax error: " + YamlMessage(ex)));
            return new RulesFile([], session.Problems);
        }
        catch (InvalidOperationException ex)
        {
            // Some malformed input (e.g. an unclosed flow sequence) makes YamlDotNet's scanner throw
            // this instead of a YamlException; the scanner's position is still where it stopped.
            session.Problems.Add(new RuleProblem(ProblemSeverity.Error, Line(scanner.CurrentPosition), Column(scanner.CurrentPosition), "YAML syntax error: " + ex.Message));
            return new RulesFile([], session.Problems);
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            session.Problems.Add(new RuleProblem(ProblemSeverity.Warning, 1, 1, "the file defines no rules"));
            return new RulesFile([], session.Problems);
        }

        for (var i = 1; i < stream.Documents.Count; i++)
        {
            session.Error(stream.Documents[i].RootNode, "only one YAML document is read; this one is ignored");
        }

        session.ReadRoot(stream.Documents[0].RootNode);
        return new RulesFile(session.Rules, [.. session.Problems.OrderBy(p => p.Line).ThenBy(p => p.Column)]);
    }

    private static int Line(Mark mark) => (int)Math.Max(1, mark.Line);

    private static int Column(Mark mark) => (int)Math.Max(1, mark.Column);

    private static string YamlMessage(YamlException ex)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; we print the position ourselves.
        var message = PositionPrefix().Replace(ex.Message, string.Empty);
        return ex.InnerException is null ? message : $"{message} ({ex.InnerException.Message})";
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();

    /// <summary>Levenshtein distance, for "did you mean".</summary>
    internal static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    internal static string? Suggest(string key, IEnumerable<string> known) =>
        known.Select(k => (Key: k, Distance: Distance(key.ToLowerInvariant(), k)))
            .Where(c => c.Distance <= Math.Max(1, Math.Min(2, c.Key.Length / 3)))
            .OrderBy(c => c.Distance)
            .Select(c => c.Key)
            .FirstOrDefault();

    /// <summary>One parse: the problems and rules found so far.</summary>
    private sealed class Session(MetricCatalog catalog)
    {
        private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);

        public List<RuleProblem> Problems { get; } = [];

        public List<AlertRule> Rules { get; } = [];

        private int ErrorCount => Problems.Count(p => p.IsError);

        public void Error(YamlNode node, string message) =>
            Problems.Add(new RuleProblem(ProblemSeverity.Error, Line(node.Start), Column(node.Start), message));

        public void Warning(YamlNode node, string message) =>
            Problems.Add(new RuleProblem(ProblemSeverity.Warning, Line(node.Start), Column(node.Start), message));

        public void ReadRoot(YamlNode root)
        {
            if (root is not YamlMappingNode map)
            {
                Error(root, "the file must be a mapping with a 'rules' list");
                return;
            }

            var keys = Keys(map, ["rules"]);
            if (!keys.TryGetValue("rules", out var rules))
            {
                Error(map, "missing 'rules': the file must have a 'rules' list");
                return;
            }

            if (IsNull(rules.Value))
            {
                Warning(rules.Key, "the file defines no rules");
                return;
            }

            if (rules.Value is not YamlSequenceNode list)
            {
                Error(rules.Value, "'rules' must be a list of rules");
                return;
            }

            if (list.Children.Count == 0)
            {
                Warning(list, "the file defines no rules");
            }

            foreach (var item in list.Children)
            {
                if (item is YamlMappingNode rule)
                {
                    ReadRule(rule);
                }
                else
                {
                    Error(item, "a rule must be a mapping (name: …, kind: …, …)");
                }
            }
        }

        /// <summary>The keys of a mapping, reporting unknown and non-scalar keys.</summary>
        private Dictionary<string, (YamlScalarNode Key, YamlNode Value)> Keys(YamlMappingNode map, IReadOnlyList<string> known, string? where = null)
        {
            var keys = new Dictionary<string, (YamlScalarNode, YamlNode)>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key } scalar)
                {
                    Error(keyNode, "keys must be plain names");
                    continue;
                }

                if (!known.Contains(key))
                {
                    var suggestion = Suggest(key, known);
                    Error(scalar, $"unknown key '{key}'{(where is null ? string.Empty : " in " + where)}"
                        + (suggestion is null ? $"; expected one of {string.Join(", ", known)}" : $"; did you mean '{suggestion}'?"));
                    continue;
                }

                keys[key] = (scalar, value);
            }

            return keys;
        }

        private void ReadRule(YamlMappingNode map)
        {
            var errorsBefore = ErrorCount;
            var keys = Keys(map, RuleKeys, "a rule");

            var name = Scalar(keys, "name");
            if (name is null)
            {
                if (!keys.ContainsKey("name"))
                {
                    Error(map, "rule without a name: every rule needs a unique 'name'");
                }
            }
            else if (_names.TryGetValue(name, out var firstLine))
            {
                Error(keys["name"].Value, $"duplicate rule name '{name}' (first defined on line {firstLine})");
            }
            else
            {
                _names[name] = Line(keys["name"].Value.Start);
            }

            var label = name is null ? "rule" : $"rule '{name}'";

            // Scope.
            SensorKind? kind = null;
            var kindValid = true;
            if (Scalar(keys, "kind") is { } kindName && kindName != "*")
            {
                if (SensorKinds.TryParse(kindName, out var parsed))
                {
                    kind = parsed;
                }
                else
                {
                    kindValid = false;
                    Error(keys["kind"].Value, $"unknown kind '{kindName}'; expected air, water, soil or \"*\"");
                }
            }

            var metric = Scalar(keys, "metric");
            var definitions = new List<MetricDefinition>();
            if (metric is not null && kindValid)
            {
                definitions.AddRange((kind is { } k ? [k] : SensorKinds.All)
                    .Select(k => catalog.TryGet(k, metric, out var d) ? d : null)
                    .OfType<MetricDefinition>());
                if (definitions.Count == 0)
                {
                    var candidates = catalog.Metrics.Where(d => kind is null || d.Kind == kind).Select(d => d.Name).Distinct().Order(StringComparer.Ordinal).ToList();
                    var suggestion = Suggest(metric, candidates);
                    Error(keys["metric"].Value, $"unknown metric '{metric}' for kind {(kind is { } k2 ? k2.ToName() : "\"*\"")}"
                        + (suggestion is null ? $"; the catalog has {string.Join(", ", candidates)}" : $"; did you mean '{suggestion}'?"));
                }
            }

            var site = GlobOf(keys, "site");
            var device = GlobOf(keys, "device");
            var forDuration = DurationOf(keys, "for");
            var description = Scalar(keys, "description");
            var isPublic = BooleanOf(keys, "public") ?? false;
            var publicTitle = keys.TryGetValue("public_title", out var titleEntry) ? ReadPublicTitle(titleEntry.Value) : null;
            if (publicTitle is not null && !isPublic)
            {
                Warning(titleEntry.Key, "'public_title' without 'public: true': the rule is not published, so the title is never shown");
            }

            AlertSeverity? severity = null;
            if (Scalar(keys, "severity") is { } severityName)
            {
                severity = SeverityOf(keys["severity"].Value, severityName);
            }

            // Condition: exactly one family.
            var families = new List<(string Family, YamlScalarNode Key)>();
            foreach (var family in ConditionFamilies)
            {
                var key = family == "threshold"
                    ? ThresholdKeys.Where(keys.ContainsKey).Select(k => keys[k].Key).OrderBy(k => k.Start.Index).FirstOrDefault()
                    : keys.TryGetValue(family, out var entry) ? entry.Key : null;
                if (key is not null)
                {
                    families.Add((family, key));
                }
            }

            if (families.Count == 0)
            {
                Error(map, $"{label} has no condition: give one of above, below, outside, levels, deadman, stuck, rate, aqi or profile");
            }
            else if (families.Count > 1)
            {
                Error(families[1].Key, $"{label} has more than one condition ({string.Join(", ", families.Select(f => f.Key.Value))}): one per rule");
            }

            var familyName = families.Count == 1 ? families[0].Family : null;
            foreach (var extra in new[] { "clear_below", "clear_above" })
            {
                if (keys.TryGetValue(extra, out var e) && familyName is not null && (familyName != "threshold" || keys.ContainsKey("levels")))
                {
                    Error(e.Key, familyName == "threshold"
                        ? $"'{extra}' beside 'levels': give it inside each level"
                        : $"'{extra}' is hysteresis of above/below/outside; it does not apply to {familyName}");
                }
            }

            if (keys.TryGetValue("window", out var windowEntry) && familyName is not null && familyName != "threshold")
            {
                Error(windowEntry.Key, $"'window' aggregates the metric for a threshold; it does not apply to {familyName}");
            }

            if (familyName is "threshold" or "stuck" or "rate" or null && families.Count > 0 && metric is null && !keys.ContainsKey("metric"))
            {
                Error(map, $"{label} needs a 'metric'");
            }

            if (familyName is "aqi" or "profile" && keys.TryGetValue("metric", out var metricEntry))
            {
                Error(metricEntry.Key, $"'metric' does not apply to {familyName}: it chooses its pollutants itself");
            }

            if (familyName is "deadman" or "stuck" && keys.TryGetValue("for", out var forEntry))
            {
                Warning(forEntry.Key, $"'for' has no effect on {familyName}: its own duration is the wait");
            }

            var needsSeverity = !(familyName == "threshold" && keys.ContainsKey("levels"));
            if (needsSeverity && !keys.ContainsKey("severity") && families.Count > 0)
            {
                Error(map, $"{label} needs a 'severity' (info, warning or critical)");
            }
            else if (!needsSeverity && keys.TryGetValue("severity", out var severityEntry))
            {
                Error(severityEntry.Key, "'severity' beside 'levels': each level has its own severity");
            }

            AlertCondition? condition = familyName switch
            {
                "threshold" => ReadThreshold(keys, severity, definitions),
                "deadman" => DurationOf(keys, "deadman") is { } silence ? new DeadmanCondition(silence) : null,
                "stuck" => ReadStuck(keys["stuck"].Value),
                "rate" => ReadRate(keys["rate"].Value),
                "aqi" => ReadAqi(keys["aqi"].Value, kind, keys),
                "profile" => ReadProfile(keys["profile"].Value, kind, keys),
                _ => null,
            };

            if (ErrorCount != errorsBefore || condition is null || name is null)
            {
                // A rule with an error is not loaded; the file's other rules still are.
                return;
            }

            var ruleSeverity = condition is ThresholdCondition t && keys.ContainsKey("levels")
                ? t.Levels.Max(l => l.Severity)
                : severity!.Value;
            Rules.Add(new AlertRule
            {
                Name = name,
                Kind = condition is AqiCondition ? SensorKind.Air : condition is ProfileCondition p ? AlertProfiles.KindOf(p.Profile) : kind,
                Metric = metric,
                Site = site ?? Glob.Any,
                Device = device ?? Glob.Any,
                Condition = condition,
                For = forDuration,
                Severity = ruleSeverity,
                Description = description,
                Public = isPublic,
                PublicTitle = publicTitle,
                Line = Line(map.Start),
            });
        }

        private ThresholdCondition? ReadThreshold(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, AlertSeverity? severity, List<MetricDefinition> definitions)
        {
            var window = keys.TryGetValue("window", out var w) ? ReadWindow(w.Value) : null;
            var errorsBefore = ErrorCount;
            List<ThresholdLevel> levels = [];
            if (keys.TryGetValue("levels", out var levelsEntry))
            {
                foreach (var other in new[] { "above", "below", "outside" })
                {
                    if (keys.TryGetValue(other, out var o))
                    {
                        Error(o.Key, $"'{other}' beside 'levels': put the threshold inside each level");
                    }
                }

                if (levelsEntry.Value is not YamlSequenceNode { Children.Count: > 0 } list)
                {
                    Error(levelsEntry.Value, "'levels' must be a non-empty list of {severity: …, above|below|outside: …}");
                    return null;
                }

                var seen = new Dictionary<AlertSeverity, int>();
                foreach (var item in list.Children)
                {
                    if (item is not YamlMappingNode levelMap)
                    {
                        Error(item, "a level must be a mapping {severity: …, above|below|outside: …}");
                        continue;
                    }

                    var levelKeys = Keys(levelMap, LevelKeys, "a level");
                    AlertSeverity? levelSeverity = null;
                    if (Scalar(levelKeys, "severity") is { } s)
                    {
                        levelSeverity = SeverityOf(levelKeys["severity"].Value, s);
                    }
                    else if (!levelKeys.ContainsKey("severity"))
                    {
                        Error(levelMap, "level without a 'severity'");
                    }

                    if (levelSeverity is { } ls)
                    {
                        if (seen.TryGetValue(ls, out var line))
                        {
                            Error(levelKeys["severity"].Value, $"severity {ls.ToName()} appears twice in 'levels' (first on line {line})");
                        }
                        else
                        {
                            seen[ls] = Line(levelKeys["severity"].Value.Start);
                        }
                    }

                    if (ReadLevel(levelMap, levelKeys, levelSeverity ?? AlertSeverity.Info, definitions) is { } level)
                    {
                        levels.Add(level);
                    }
                }

                if (ErrorCount == errorsBefore)
                {
                    if (levels.Select(l => l.Direction).Distinct().Count() > 1)
                    {
                        Error(levelsEntry.Key, "'levels' mix directions (above, below, outside): use one per rule");
                    }
                    else
                    {
                        levels.Sort((a, b) => a.Severity.CompareTo(b.Severity));
                        for (var i = 1; i < levels.Count; i++)
                        {
                            var (lower, higher) = (levels[i - 1], levels[i]);
                            var inverted = higher.Direction switch
                            {
                                ThresholdDirection.Above => higher.Value < lower.Value,
                                ThresholdDirection.Below => higher.Value > lower.Value,
                                _ => higher.Value > lower.Value || higher.High < lower.High,
                            };
                            if (inverted)
                            {
                                Warning(levelsEntry.Key, $"level {higher.Severity.ToName()} has a laxer threshold than {lower.Severity.ToName()}: it would fire first");
                            }
                        }
                    }
                }
            }
            else if (ReadLevel(null, keys, severity ?? AlertSeverity.Info, definitions) is { } level)
            {
                levels.Add(level);
            }

            return ErrorCount == errorsBefore && levels.Count > 0 ? new ThresholdCondition(levels, window) : null;
        }

        /// <summary>One threshold (rule-level keys, or one item of <c>levels</c>) with its hysteresis.</summary>
        private ThresholdLevel? ReadLevel(YamlMappingNode? levelMap, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, AlertSeverity severity, List<MetricDefinition> definitions)
        {
            var present = new[] { "above", "below", "outside" }.Where(keys.ContainsKey).ToList();
            if (present.Count == 0)
            {
                if (levelMap is not null)
                {
                    Error(levelMap, "level without a threshold: give above, below or outside");
                }

                return null;
            }

            if (present.Count > 1)
            {
                Error(keys[present[1]].Key, present.Contains("outside")
                    ? $"'{present[0]}' and '{present[1]}' together: one threshold per level"
                    : "'above' and 'below' together: use outside: [lo, hi] for a range, or two rules");
                return null;
            }

            var clearBelow = NumberOf(keys, "clear_below");
            var clearAbove = NumberOf(keys, "clear_above");
            switch (present[0])
            {
                case "above":
                {
                    if (NumberOf(keys, "above") is not { } above)
                    {
                        return null;
                    }

                    Plausible(keys["above"].Value, above, definitions, "above");
                    if (keys.TryGetValue("clear_above", out var wrong))
                    {
                        Error(wrong.Key, "'clear_above' is the hysteresis of 'below'; an 'above' threshold clears with 'clear_below'");
                        return null;
                    }

                    if (clearBelow is { } cb)
                    {
                        if (cb >= above)
                        {
                            Error(keys["clear_below"].Value, $"clear_below ({Format(cb)}) must be below above ({Format(above)}): the hysteresis band is inverted");
                            return null;
                        }

                        PlausibleClear(keys["clear_below"].Value, cb, definitions, "clear_below");
                    }

                    return new ThresholdLevel(severity, ThresholdDirection.Above, above, ClearBelow: clearBelow);
                }

                case "below":
                {
                    if (NumberOf(keys, "below") is not { } below)
                    {
                        return null;
                    }

                    Plausible(keys["below"].Value, below, definitions, "below");
                    if (keys.TryGetValue("clear_below", out var wrong))
                    {
                        Error(wrong.Key, "'clear_below' is the hysteresis of 'above'; a 'below' threshold clears with 'clear_above'");
                        return null;
                    }

                    if (clearAbove is { } ca)
                    {
                        if (ca <= below)
                        {
                            Error(keys["clear_above"].Value, $"clear_above ({Format(ca)}) must be above below ({Format(below)}): the hysteresis band is inverted");
                            return null;
                        }

                        PlausibleClear(keys["clear_above"].Value, ca, definitions, "clear_above");
                    }

                    return new ThresholdLevel(severity, ThresholdDirection.Below, below, ClearAbove: clearAbove);
                }

                default:
                {
                    var node = keys["outside"].Value;
                    if (node is not YamlSequenceNode { Children.Count: 2 } pair
                        || Number(pair.Children[0]) is not { } lo
                        || Number(pair.Children[1]) is not { } hi)
                    {
                        Error(node, "'outside' must be [lo, hi], two numbers");
                        return null;
                    }

                    if (lo >= hi)
                    {
                        Error(node, $"'outside' must be [lo, hi] with lo < hi; got [{Format(lo)}, {Format(hi)}]");
                        return null;
                    }

                    Plausible(pair.Children[0], lo, definitions, "outside low end");
                    Plausible(pair.Children[1], hi, definitions, "outside high end");
                    if (clearAbove is { } ca && ca <= lo)
                    {
                        Error(keys["clear_above"].Value, $"clear_above ({Format(ca)}) must be above the low end ({Format(lo)}): the hysteresis band is inverted");
                        return null;
                    }

                    if (clearBelow is { } cb && cb >= hi)
                    {
                        Error(keys["clear_below"].Value, $"clear_below ({Format(cb)}) must be below the high end ({Format(hi)}): the hysteresis band is inverted");
                        return null;
                    }

                    if (clearAbove is { } a && clearBelow is { } b && a >= b)
                    {
                        Error(keys["clear_below"].Value, $"clear_above ({Format(a)}) must be below clear_below ({Format(b)}): nothing could clear");
                        return null;
                    }

                    return new ThresholdLevel(severity, ThresholdDirection.Outside, lo, hi, clearBelow, clearAbove);
                }
            }
        }

        private void Plausible(YamlNode node, double value, List<MetricDefinition> definitions, string what)
        {
            if (definitions.Count > 0 && definitions.All(d => !d.IsPlausible(value)))
            {
                var d = definitions[0];
                Error(node, $"{what} {Format(value)} is outside the plausible range {Format(d.Min)}–{Format(d.Max)} {d.Unit} of {d.Kind.ToName()}.{d.Name}: such readings are rejected, so the rule could never fire or would always fire (a unit mistake?)");
            }
        }

        private void PlausibleClear(YamlNode node, double value, List<MetricDefinition> definitions, string what)
        {
            // Only a warning: a clear threshold beyond the range means "never clears on its own"
            // for that side, odd but not a rule that silently never fires.
            if (definitions.Count > 0 && definitions.All(d => !d.IsPlausible(value)))
            {
                var d = definitions[0];
                Warning(node, $"{what} {Format(value)} is outside the plausible range {Format(d.Min)}–{Format(d.Max)} {d.Unit} of {d.Kind.ToName()}.{d.Name}: the alert could never clear");
            }
        }

        private WindowAggregate? ReadWindow(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "'window' must be a mapping {function: mean|max|min, over: 24h, bucket: 1h, min_count: 20}");
                return null;
            }

            var errorsBefore = ErrorCount;
            var keys = Keys(map, ["function", "over", "bucket", "min_count"], "window");
            AggregateFunction? function = null;
            switch (Scalar(keys, "function"))
            {
                case "mean": function = AggregateFunction.Mean; break;
                case "max": function = AggregateFunction.Max; break;
                case "min": function = AggregateFunction.Min; break;
                case null:
                    if (!keys.ContainsKey("function"))
                    {
                        Error(map, "window without a 'function' (mean, max or min)");
                    }

                    break;
                case var other:
                    Error(keys["function"].Value, $"unknown window function '{other}'; expected mean, max or min");
                    break;
            }

            if (!keys.ContainsKey("over"))
            {
                Error(map, "window without 'over' (its length, e.g. 24h)");
            }

            var over = DurationOf(keys, "over");
            var bucket = DurationOf(keys, "bucket");
            var minCount = IntegerOf(keys, "min_count", 1, int.MaxValue);
            if (over is { } o && bucket is { } b)
            {
                if (b >= o || o.Ticks % b.Ticks != 0)
                {
                    Error(keys["bucket"].Value, $"bucket {Durations.Format(b)} must divide the window {Durations.Format(o)} into whole buckets");
                }
                else if (minCount is { } m && m > o.Ticks / b.Ticks)
                {
                    Error(keys["min_count"].Value, $"min_count {m} is more than the {o.Ticks / b.Ticks} buckets of the window: it could never be valid");
                }
            }

            return ErrorCount == errorsBefore && function is { } f && over is { } ov ? new WindowAggregate(f, ov, bucket, minCount) : null;
        }

        private StuckCondition? ReadStuck(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "'stuck' must be a mapping {for: 2h} or {readings: 30}");
                return null;
            }

            var errorsBefore = ErrorCount;
            var keys = Keys(map, ["for", "readings", "tolerance"], "stuck");
            var duration = DurationOf(keys, "for");
            var readings = IntegerOf(keys, "readings", 2, int.MaxValue);
            var tolerance = NumberOf(keys, "tolerance");
            if (!keys.ContainsKey("for") && !keys.ContainsKey("readings"))
            {
                Error(map, "'stuck' needs 'for' (a duration) or 'readings' (a count)");
            }

            if (tolerance < 0)
            {
                Error(keys["tolerance"].Value, "tolerance must not be negative");
            }

            return ErrorCount == errorsBefore ? new StuckCondition(duration, readings, tolerance ?? 0) : null;
        }

        private RateCondition? ReadRate(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "'rate' must be a mapping {per: 1m, above: X} (or below: X)");
                return null;
            }

            var errorsBefore = ErrorCount;
            var keys = Keys(map, ["per", "above", "below"], "rate");
            if (!keys.ContainsKey("per"))
            {
                Error(map, "'rate' needs 'per' (the time the change is measured over, e.g. 1m)");
            }

            var per = DurationOf(keys, "per");
            var above = NumberOf(keys, "above");
            var below = NumberOf(keys, "below");
            if (!keys.ContainsKey("above") && !keys.ContainsKey("below"))
            {
                Error(map, "'rate' needs 'above' (a rise faster than) or 'below' (a fall faster than, negative)");
            }
            else if (above is { } a && below is { } b && b >= a)
            {
                Error(keys["below"].Value, $"rate below ({Format(b)}) must be less than rate above ({Format(a)}): the rule would always fire");
            }

            return ErrorCount == errorsBefore && per is { } p ? new RateCondition(p, above, below) : null;
        }

        private AqiCondition? ReadAqi(YamlNode node, SensorKind? kind, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> ruleKeys)
        {
            if (kind is { } k && k != SensorKind.Air)
            {
                Error(ruleKeys["kind"].Value, $"the AQI is about air; kind {k.ToName()} does not apply");
            }

            if (node is not YamlMappingNode map)
            {
                Error(node, "'aqi' must be a mapping {standard: hj633-2026, above_level: 3}");
                return null;
            }

            var errorsBefore = ErrorCount;
            var keys = Keys(map, ["standard", "above_level", "basis"], "aqi");
            AqiStandard? standard = null;
            if (Scalar(keys, "standard") is { } name)
            {
                // Exact lower-case names, as written in docs/alert-rules.md#aqi-level.
                if (AqiStandards.Names.Contains(name) && AqiStandards.TryParse(name, out var s))
                {
                    standard = s;
                }
                else
                {
                    var suggestion = Suggest(name, AqiStandards.Names);
                    Error(keys["standard"].Value, $"unknown AQI standard '{name}'; expected {string.Join(", ", AqiStandards.Names)}" + (suggestion is null ? string.Empty : $" (did you mean '{suggestion}'?)"));
                }
            }
            else if (!keys.ContainsKey("standard"))
            {
                Error(map, $"'aqi' needs a 'standard' ({string.Join(", ", AqiStandards.Names)})");
            }

            int? level = null;
            if (keys.TryGetValue("above_level", out var levelEntry))
            {
                if (Integer(levelEntry.Value) is not { } l)
                {
                    Error(levelEntry.Value, "above_level must be a whole number from 1 to 5");
                }
                else if (l is < 1 or > 5)
                {
                    Error(levelEntry.Value, l == 6
                        ? "above_level 6: level 6 is the highest AQI level, nothing is above it; use 1 to 5"
                        : $"unknown AQI level {l}: above_level is 1 to 5 (levels are 1–6)");
                }
                else
                {
                    level = l;
                }
            }
            else
            {
                Error(map, "'aqi' needs 'above_level' (1 to 5: fires when the AQI level is higher)");
            }

            var basis = AqiBasis.Hourly;
            switch (Scalar(keys, "basis"))
            {
                case null or "hourly": break;
                case "daily": basis = AqiBasis.Daily; break;
                case var other:
                    Error(keys["basis"].Value, $"unknown AQI basis '{other}'; expected hourly or daily");
                    break;
            }

            return ErrorCount == errorsBefore && standard is { } st && level is { } lv ? new AqiCondition(st, lv, basis) : null;
        }

        private ProfileCondition? ReadProfile(YamlNode node, SensorKind? kind, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> ruleKeys)
        {
            var errorsBefore = ErrorCount;
            YamlNode nameNode = node;
            Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys = [];
            if (node is YamlMappingNode map)
            {
                // Parameters are only known once the name is: read the name first.
                var nameEntry = map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "name" });
                if (nameEntry.Value is null)
                {
                    Error(map, "'profile' needs a 'name' (" + string.Join(", ", AlertProfiles.Names) + ")");
                    return null;
                }

                nameNode = nameEntry.Value;
                var known = nameNode is YamlScalarNode { Value: { } n } && AlertProfiles.Names.Contains(n) ? AlertProfiles.ParametersOf(n) : [];
                keys = Keys(map, ["name", .. known], "profile");
            }

            if (nameNode is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                Error(nameNode, "'profile' must be a profile name or {name: …, parameters…}");
                return null;
            }

            if (!AlertProfiles.Names.Contains(name))
            {
                var suggestion = Suggest(name, AlertProfiles.Names);
                Error(nameNode, $"unknown profile '{name}'; expected {string.Join(", ", AlertProfiles.Names)}" + (suggestion is null ? string.Empty : $" (did you mean '{suggestion}'?)"));
                return null;
            }

            var profileKind = AlertProfiles.KindOf(name);
            if (kind is { } k && k != profileKind)
            {
                Error(ruleKeys["kind"].Value, $"profile {name} is about {profileKind.ToName()}; kind {k.ToName()} does not apply");
            }

            var parameters = new ProfileParameters();
            switch (name)
            {
                case AlertProfiles.Gb3095Grade1 or AlertProfiles.Gb3095Grade2:
                    parameters = parameters with { Phase = Choice(keys, "phase", ["transitional", "final"]) ?? "transitional" };
                    break;
                case AlertProfiles.Who2021:
                    parameters = parameters with { WhoTarget = Choice(keys, "target", ["aqg", "it-1", "it-2", "it-3", "it-4"]) ?? "aqg" };
                    break;
                case AlertProfiles.Gb3838:
                    int? targetClass = 3;
                    if (Scalar(keys, "target_class") is { } c)
                    {
                        targetClass = c switch
                        {
                            "I" or "1" => 1,
                            "II" or "2" => 2,
                            "III" or "3" => 3,
                            "IV" or "4" => 4,
                            "V" or "5" => 5,
                            _ => null,
                        };
                        if (targetClass is null)
                        {
                            Error(keys["target_class"].Value, $"unknown water class '{c}'; expected I, II, III, IV or V (or 1–5)");
                        }
                    }

                    parameters = parameters with { TargetClass = targetClass, Lake = Choice(keys, "waterbody", ["river", "lake"]) == "lake" };
                    break;
                default:
                    double? ph = NumberOf(keys, "ph");
                    if (ph is < 0 or > 14)
                    {
                        Error(keys["ph"].Value, $"soil pH {Format(ph.Value)} is outside 0–14");
                    }

                    parameters = parameters with { SoilValue = Choice(keys, "value", ["screening", "intervention"]) ?? "screening", SoilPh = ph };
                    break;
            }

            return ErrorCount == errorsBefore ? new ProfileCondition(name, parameters) : null;
        }

        private string? Choice(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key, string[] choices)
        {
            var value = Scalar(keys, key);
            if (value is not null && !choices.Contains(value))
            {
                Error(keys[key].Value, $"unknown {key} '{value}'; expected {string.Join(", ", choices)}");
                return null;
            }

            return value;
        }

        private AlertSeverity? SeverityOf(YamlNode node, string name)
        {
            if (AlertSeverities.TryParse(name, out var severity))
            {
                return severity;
            }

            var suggestion = Suggest(name, AlertSeverities.Names);
            Error(node, $"unknown severity '{name}'; expected info, warning or critical" + (suggestion is null ? string.Empty : $" (did you mean '{suggestion}'?)"));
            return null;
        }

        private Glob? GlobOf(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (Scalar(keys, key) is not { } pattern)
            {
                return null;
            }

            if (Glob.TryParse(pattern, out var glob, out var error))
            {
                return glob;
            }

            Error(keys[key].Value, $"{key}: {error}");
            return null;
        }

        private TimeSpan? DurationOf(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (Scalar(keys, key) is not { } text)
            {
                return null;
            }

            if (Durations.TryParse(text, out var duration, out var error))
            {
                return duration;
            }

            Error(keys[key].Value, $"{key}: {error}");
            return null;
        }

        private double? NumberOf(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (!keys.TryGetValue(key, out var entry))
            {
                return null;
            }

            var number = Number(entry.Value);
            if (number is null)
            {
                Error(entry.Value, $"{key} must be a number");
            }

            return number;
        }

        private int? IntegerOf(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key, int min, int max)
        {
            if (!keys.TryGetValue(key, out var entry))
            {
                return null;
            }

            if (Integer(entry.Value) is { } value && value >= min && value <= max)
            {
                return value;
            }

            Error(entry.Value, $"{key} must be a whole number of at least {min}");
            return null;
        }

        private bool? BooleanOf(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (Scalar(keys, key) is not { } text)
            {
                return null;
            }

            switch (text)
            {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    Error(keys[key].Value, $"{key} must be true or false");
                    return null;
            }
        }

        /// <summary>
        /// <c>public_title: {zh: …, en: …}</c>: the headline of the rule's public warnings in both
        /// languages of the feed (docs/feed.md#texts). Plain text, bounded (CAP headlines stay
        /// under 140 characters with the area added).
        /// </summary>
        private PublicText? ReadPublicTitle(YamlNode node)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "public_title must be a mapping {zh: …, en: …}");
                return null;
            }

            var keys = Keys(map, ["zh", "en"], "public_title");
            string? Text(string language)
            {
                if (!keys.ContainsKey(language))
                {
                    Error(map, $"public_title needs '{language}': the feed publishes in Chinese and English");
                    return null;
                }

                var text = Scalar(keys, language)?.Trim();
                if (text is null)
                {
                    return null;
                }

                if (text.Length is 0 or > PublicText.MaxLength || text.Any(c => char.IsControl(c) || c is '<' or '>' or '&'))
                {
                    Error(keys[language].Value, $"public_title {language} must be 1–{PublicText.MaxLength} characters of plain text (no control characters, '<', '>' or '&')");
                    return null;
                }

                return text;
            }

            var zh = Text("zh");
            var en = Text("en");
            return zh is null || en is null ? null : new PublicText(zh, en);
        }

        /// <summary>A scalar value, reporting a list or mapping where a single value belongs.</summary>
        private string? Scalar(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (!keys.TryGetValue(key, out var entry))
            {
                return null;
            }

            if (entry.Value is YamlScalarNode scalar && !IsNull(scalar))
            {
                return scalar.Value;
            }

            Error(entry.Value, IsNull(entry.Value) ? $"'{key}' is empty" : $"'{key}' must be a single value");
            return null;
        }

        private static double? Number(YamlNode node) =>
            node is YamlScalarNode { Value: { } text }
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value)
                ? value
                : null;

        private static int? Integer(YamlNode node) =>
            node is YamlScalarNode { Value: { } text }
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : null;

        private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
