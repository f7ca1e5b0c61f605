using System.Globalization;
using System.Text.RegularExpressions;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Load;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EcoMonitor.FirmwareSim.Scenarios;

/// <summary>One problem of a scenario file, with the line and column (1-based) YamlDotNet reports for it.</summary>
public sealed record ScenarioProblem(int Line, int Column, string Message)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Line}:{Column}: {Message}");
}

/// <summary>A parsed scenario, or the problems that keep it from being one.</summary>
public sealed record ScenarioParseResult(FleetScenario? Scenario, IReadOnlyList<ScenarioProblem> Problems)
{
    public bool IsValid => Scenario is not null && Problems.Count == 0;
}

/// <summary>
/// Reads a fleet scenario (YAML). Works on YamlDotNet's node tree, not a deserializer, so that every
/// problem names its line and column and one mistake does not hide the next. Keys are snake_case, as
/// in the alert rules file:
/// <code>
/// seed: 7
/// interval: 1s
/// duration: 2m
/// qos: 1
/// format: native                                 # native, senml, tts, sensor-community
/// faults: { every: 40, kinds: [malformed-json, out-of-range] }   # kinds: default four, or all
/// nodes_per_kind: { air: 5, water: 2, soil: 3 }   # or one number for every kind
/// sites:                                          # or a number: site-01, site-02, …
///   - name: site-01
///   - name: riverside
///     nodes: { water: 4 }                         # kinds left out have no node
/// episodes:
///   - site: site-01
///     metric: pm25                                # kind: air is implied; say it for temperature, ph
///     from: 30s                                   # after the start, or 2026-11-28T08:00:00Z
///     to: 90s
///     peak: 180
///     ramp: 10s                                   # optional, default a quarter of from…to
///     devices: [air-01]                           # optional, default every node of the kind
/// load: { rate: 10000, devices: 10000, readings_per_message: 6, connections: 4 }
/// </code>
/// </summary>
public static partial class ScenarioParser
{
    private static readonly string[] RootKeys =
        ["name", "description", "seed", "interval", "duration", "qos", "format", "faults", "sites", "nodes_per_kind", "episodes", "load"];

    private static readonly string[] FaultKeys = ["every", "kinds"];
    private static readonly string[] SiteKeys = ["name", "nodes"];
    private static readonly string[] EpisodeKeys = ["name", "site", "kind", "metric", "devices", "from", "to", "peak", "ramp"];
    private static readonly string[] LoadKeys = ["rate", "devices", "readings_per_message", "connections"];

    public static ScenarioParseResult ParseFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    public static ScenarioParseResult Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = new StringReader(text);
        return Parse(reader);
    }

    public static ScenarioParseResult Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var session = new Session();
        var stream = new YamlStream();
        var scanner = new Scanner(reader);
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            // A syntax error (or a duplicate key) stops YamlDotNet: that one problem is all it can tell.
            session.Problems.Add(new ScenarioProblem(Line(ex.Start), Column(ex.Start), "YAML: " + YamlMessage(ex)));
            return new ScenarioParseResult(null, session.Problems);
        }
        catch (InvalidOperationException ex)
        {
            // Some malformed input makes the scanner throw this instead; its position is where it stopped.
            session.Problems.Add(new ScenarioProblem(Line(scanner.CurrentPosition), Column(scanner.CurrentPosition), "YAML: " + ex.Message));
            return new ScenarioParseResult(null, session.Problems);
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            session.Problems.Add(new ScenarioProblem(1, 1, "the scenario is empty; expected a mapping (seed: …, sites: …, …)"));
            return new ScenarioParseResult(null, session.Problems);
        }

        for (var i = 1; i < stream.Documents.Count; i++)
        {
            session.Error(stream.Documents[i].RootNode, "a scenario is one YAML document; remove this one or the '---' before it");
        }

        var scenario = session.ReadRoot(stream.Documents[0].RootNode);
        var problems = session.Problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToArray();
        return new ScenarioParseResult(problems.Length == 0 ? scenario : null, problems);
    }

    private static int Line(Mark mark) => (int)Math.Max(1, mark.Line);

    private static int Column(Mark mark) => (int)Math.Max(1, mark.Column);

    private static string YamlMessage(YamlException ex)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; the position is printed apart.
        var message = PositionPrefix().Replace(ex.Message, string.Empty);
        return ex.InnerException is null ? message : $"{message} ({ex.InnerException.Message})";
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();

    private sealed class Session
    {
        public List<ScenarioProblem> Problems { get; } = [];

        public void Error(YamlNode node, string message) =>
            Problems.Add(new ScenarioProblem(Line(node.Start), Column(node.Start), message));

        public FleetScenario ReadRoot(YamlNode root)
        {
            if (root is not YamlMappingNode map)
            {
                Error(root, "a scenario must be a mapping (seed: …, sites: …, episodes: …)");
                return new FleetScenario();
            }

            var keys = Keys(map, RootKeys, null);
            _ = Text(keys, "name");
            _ = Text(keys, "description");
            var seed = Integer(keys, "seed", int.MinValue);
            var interval = Duration(keys, "interval", TimeSpan.FromMilliseconds(1));
            var duration = Duration(keys, "duration", TimeSpan.FromMilliseconds(1));
            var qos = Integer(keys, "qos", 0);
            if (qos is > 1)
            {
                Error(keys["qos"].Value, "'qos' must be 0 or 1 (QoS 2 is left out: the service contract is at-least-once)");
                qos = null;
            }

            PayloadFormat? format = null;
            if (Text(keys, "format") is { } formatName)
            {
                if (PayloadFormatNames.TryParse(formatName, out var parsedFormat))
                {
                    format = parsedFormat;
                }
                else
                {
                    Error(keys["format"].Value, $"unknown format '{formatName}'; expected one of {string.Join(", ", PayloadFormatNames.AllNames)}");
                }
            }

            var (invalidEvery, faultKinds) = ReadFaults(keys);

            var (nodesPerKind, kindCounts) = ReadNodesPerKind(keys);
            var (sites, layout) = ReadSites(keys, kindCounts ?? (nodesPerKind is { } n ? [n, n, n] : null));
            if (layout is null && kindCounts is not null)
            {
                layout = SiteLayout.Uniform(sites ?? new FleetOptions().Sites, kindCounts[0], kindCounts[1], kindCounts[2]);
            }

            var effective = layout ?? SiteLayout.Uniform(sites ?? new FleetOptions().Sites, nodesPerKind ?? new FleetOptions().NodesPerKind, nodesPerKind ?? new FleetOptions().NodesPerKind, nodesPerKind ?? new FleetOptions().NodesPerKind);
            var total = effective.Sum(site => site.NodeCount);
            if (total > FleetOptions.MaxNodes)
            {
                Error(keys.TryGetValue("sites", out var s) ? s.Key : (keys.TryGetValue("nodes_per_kind", out var k) ? k.Key : map),
                    string.Create(CultureInfo.InvariantCulture, $"the fleet has {total} nodes; at most {FleetOptions.MaxNodes} (use load mode's --devices for more devices on few connections)"));
            }
            else if (total == 0 && (keys.ContainsKey("sites") || keys.ContainsKey("nodes_per_kind")))
            {
                Error(keys.TryGetValue("sites", out var s) ? s.Key : keys["nodes_per_kind"].Key, "the fleet has no nodes");
            }

            var episodes = ReadEpisodes(keys, effective);
            var load = ReadLoad(keys);
            return new FleetScenario
            {
                Seed = seed,
                Interval = interval,
                Duration = duration,
                Qos = qos,
                Format = format,
                InvalidEvery = invalidEvery,
                Faults = faultKinds,
                Sites = layout is null ? sites : null,
                NodesPerKind = layout is null ? nodesPerKind : null,
                Layout = layout,
                Episodes = episodes,
                Load = load,
            };
        }

        /// <summary><c>faults: { every: 40, kinds: [malformed-json, spike] }</c>; kinds may also be <c>all</c>.</summary>
        private (int? Every, IReadOnlyList<FaultKind>? Kinds) ReadFaults(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys)
        {
            if (Mapping(keys, "faults") is not { } faults)
            {
                return (null, null);
            }

            var faultKeys = Keys(faults, FaultKeys, "'faults'");
            var every = Integer(faultKeys, "every", 0);
            if (!faultKeys.TryGetValue("kinds", out var entry) || IsNull(entry.Value))
            {
                return (every, null);
            }

            var items = entry.Value is YamlSequenceNode list ? list.Children : (IEnumerable<YamlNode>)[entry.Value];
            var kinds = new List<FaultKind>();
            foreach (var item in items)
            {
                if (item is not YamlScalarNode { Value: { Length: > 0 } name } || IsNull(item))
                {
                    Error(item, "'kinds' must list fault kinds (kinds: [malformed-json, spike]) or be all");
                    return (every, null);
                }

                if (FaultKinds.ParseList(name, out var error) is { } parsed)
                {
                    kinds.AddRange(parsed);
                }
                else
                {
                    Error(item, error);
                }
            }

            if (kinds.Count == 0 && items.Any())
            {
                return (every, null);
            }

            if (kinds.Count == 0)
            {
                Error(entry.Value, "'kinds' lists no fault kind");
                return (every, null);
            }

            if (!faultKeys.ContainsKey("every"))
            {
                Error(entry.Key, "'kinds' needs 'every: N' (N > 0), or no message carries a fault");
            }

            return (every, kinds);
        }

        /// <summary><c>nodes_per_kind: 5</c> (a number) or <c>{ air: 5, water: 2, soil: 3 }</c> (counts).</summary>
        private (int? Uniform, int[]? PerKind) ReadNodesPerKind(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys)
        {
            if (!keys.TryGetValue("nodes_per_kind", out var entry))
            {
                return (null, null);
            }

            if (entry.Value is YamlMappingNode counts)
            {
                return (null, ReadKindCounts(counts, "'nodes_per_kind'", absentIsZero: false));
            }

            return (Integer(keys, "nodes_per_kind", 1), null);
        }

        /// <summary>Air, water and soil counts; a kind left out is 0 (or the default 5 when <paramref name="absentIsZero"/> is false).</summary>
        private int[]? ReadKindCounts(YamlMappingNode map, string where, bool absentIsZero)
        {
            var keys = Keys(map, FleetCatalog.Kinds, where + " (node counts per kind)");
            var counts = new int[FleetCatalog.Kinds.Count];
            var valid = true;
            for (var i = 0; i < counts.Length; i++)
            {
                var kind = FleetCatalog.Kinds[i];
                if (keys.ContainsKey(kind))
                {
                    var count = Integer(keys, kind, 0);
                    valid &= count is not null;
                    counts[i] = count ?? 0;
                }
                else
                {
                    counts[i] = absentIsZero ? 0 : new FleetOptions().NodesPerKind;
                }
            }

            return valid ? counts : null;
        }

        /// <summary><c>sites: 3</c>, or a list of <c>{ name, nodes }</c>.</summary>
        private (int? Count, IReadOnlyList<SiteLayout>? Layout) ReadSites(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, int[]? defaultCounts)
        {
            if (!keys.TryGetValue("sites", out var entry))
            {
                return (null, null);
            }

            if (entry.Value is not YamlSequenceNode list)
            {
                if (entry.Value is YamlMappingNode)
                {
                    Error(entry.Value, "'sites' must be a number of sites or a list of sites (- name: site-01 …)");
                    return (null, null);
                }

                return (Integer(keys, "sites", 1), null);
            }

            if (list.Children.Count == 0)
            {
                Error(list, "'sites' lists no site");
                return (null, null);
            }

            var fallback = defaultCounts ?? [new FleetOptions().NodesPerKind, new FleetOptions().NodesPerKind, new FleetOptions().NodesPerKind];
            var layout = new List<SiteLayout>();
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var item in list.Children)
            {
                if (item is not YamlMappingNode site)
                {
                    Error(item, "a site must be a mapping (- name: site-01, nodes: { air: 5 })");
                    continue;
                }

                var siteKeys = Keys(site, SiteKeys, "a site");
                var name = Text(siteKeys, "name");
                if (name is null)
                {
                    if (!siteKeys.ContainsKey("name"))
                    {
                        Error(site, "a site needs a 'name' (its id in the topics, e.g. site-01)");
                    }

                    continue;
                }

                if (!SiteLayout.IsValidId(name))
                {
                    Error(siteKeys["name"].Value, $"'{name}' is not a valid site id: a letter or digit, then letters, digits, '_', '.' or '-', at most 64 characters");
                    continue;
                }

                if (seen.TryGetValue(name, out var firstLine))
                {
                    Error(siteKeys["name"].Value, string.Create(CultureInfo.InvariantCulture, $"site '{name}' is listed twice (first on line {firstLine})"));
                    continue;
                }

                seen[name] = Line(siteKeys["name"].Value.Start);
                var counts = fallback;
                if (siteKeys.TryGetValue("nodes", out var nodes))
                {
                    if (nodes.Value is YamlMappingNode nodeMap)
                    {
                        counts = ReadKindCounts(nodeMap, $"site '{name}'", absentIsZero: true) ?? fallback;
                    }
                    else if (Integer(siteKeys, "nodes", 0) is { } n)
                    {
                        counts = [n, n, n];
                    }
                }

                layout.Add(new SiteLayout(name, counts[0], counts[1], counts[2]));
            }

            return (layout.Count, layout);
        }

        private List<ScenarioEpisode> ReadEpisodes(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, IReadOnlyList<SiteLayout> layout)
        {
            var episodes = new List<ScenarioEpisode>();
            if (!keys.TryGetValue("episodes", out var entry) || IsNull(entry.Value))
            {
                return episodes;
            }

            if (entry.Value is not YamlSequenceNode list)
            {
                Error(entry.Value, "'episodes' must be a list (- site: site-01, metric: pm25, from: 30s, to: 90s, peak: 180)");
                return episodes;
            }

            // Device numbers are as wide as the largest count anywhere in the fleet (NodeIdentity.Layout).
            var widest = layout.Count == 0 ? 0 : layout.Max(site => Math.Max(site.Air, Math.Max(site.Water, site.Soil)));
            var digits = Math.Max(2, widest.ToString(CultureInfo.InvariantCulture).Length);
            foreach (var item in list.Children)
            {
                if (item is YamlMappingNode map)
                {
                    if (ReadEpisode(map, layout, digits) is { } episode)
                    {
                        episodes.Add(episode);
                    }
                }
                else
                {
                    Error(item, "an episode must be a mapping (site: …, metric: …, from: …, to: …, peak: …)");
                }
            }

            return episodes;
        }

        private ScenarioEpisode? ReadEpisode(YamlMappingNode map, IReadOnlyList<SiteLayout> layout, int digits)
        {
            var before = Problems.Count;
            var keys = Keys(map, EpisodeKeys, "an episode");
            foreach (var required in (string[])["site", "metric", "from", "to", "peak"])
            {
                if (!keys.ContainsKey(required))
                {
                    Error(map, $"an episode needs '{required}'");
                }
            }

            var name = Text(keys, "name");
            var siteName = Text(keys, "site");
            var site = siteName is null ? null : layout.FirstOrDefault(s => s.Name == siteName);
            if (siteName is not null && site is null)
            {
                Error(keys["site"].Value, $"no site '{siteName}' in this scenario; sites: {string.Join(", ", layout.Take(10).Select(s => s.Name))}{(layout.Count > 10 ? ", …" : string.Empty)}");
            }

            var kind = Text(keys, "kind");
            if (kind is not null && !FleetCatalog.Kinds.Contains(kind, StringComparer.Ordinal))
            {
                Error(keys["kind"].Value, $"unknown kind '{kind}'; expected {string.Join(", ", FleetCatalog.Kinds)}");
                kind = null;
            }

            SimulatedMetric? metric = null;
            if (Text(keys, "metric") is { } metricName)
            {
                var candidates = FleetCatalog.Kinds
                    .Where(k => kind is null || k == kind)
                    .SelectMany(FleetCatalog.MetricsOf)
                    .Where(m => m.Name == metricName)
                    .ToArray();
                if (candidates.Length == 1)
                {
                    metric = candidates[0];
                    kind = metric.Kind;
                }
                else if (candidates.Length == 0)
                {
                    var measured = kind is null ? FleetCatalog.Kinds.SelectMany(FleetCatalog.MetricsOf) : FleetCatalog.MetricsOf(kind);
                    Error(keys["metric"].Value, $"no metric '{metricName}'{(kind is null ? string.Empty : $" on {kind} nodes")}; expected one of {string.Join(", ", measured.Select(m => m.Name).Distinct())}");
                }
                else if (!keys.ContainsKey("kind"))
                {
                    Error(keys["metric"].Value, $"'{metricName}' is measured by {string.Join(" and ", candidates.Select(m => m.Kind))} nodes; say which with 'kind'");
                }
            }

            var devices = new List<string>();
            if (keys.TryGetValue("devices", out var devicesEntry) && !IsNull(devicesEntry.Value))
            {
                var items = devicesEntry.Value is YamlSequenceNode sequence ? sequence.Children : (IEnumerable<YamlNode>)[devicesEntry.Value];
                foreach (var item in items)
                {
                    if (item is not YamlScalarNode { Value: { Length: > 0 } device } || IsNull(item))
                    {
                        Error(item, "'devices' must list device ids (devices: [air-01, air-02])");
                        continue;
                    }

                    if (site is not null && kind is not null && !DevicesOf(site, kind, digits).Contains(device, StringComparer.Ordinal))
                    {
                        Error(item, string.Create(CultureInfo.InvariantCulture, $"site '{site.Name}' has no {kind} node '{device}'; it has {site.NodesOf(kind)} ({FirstAndLast(site, kind, digits)})"));
                        continue;
                    }

                    devices.Add(device);
                }
            }
            else if (site is not null && kind is not null && site.NodesOf(kind) == 0)
            {
                Error(keys["site"].Value, $"site '{site.Name}' has no {kind} node, so the episode would change nothing");
            }

            var from = Time(keys, "from");
            var to = Time(keys, "to");
            var ramp = Duration(keys, "ramp", TimeSpan.Zero);
            TimeSpan? length = (from, to) switch
            {
                ({ Offset: { } a }, { Offset: { } b }) => b - a,
                ({ At: { } a }, { At: { } b }) => b - a,
                _ => null,
            };
            if (length is { } span && span <= TimeSpan.Zero)
            {
                Error(keys["to"].Value, $"'to' ({to}) must be after 'from' ({from})");
            }
            else if (length is { } positive && ramp is { } r && r * 2 > positive)
            {
                Error(keys["ramp"].Value, string.Create(CultureInfo.InvariantCulture, $"'ramp' rises and falls, so it can be at most half the episode ({positive / 2:c})"));
            }

            var peak = Number(keys, "peak");
            if (peak is { } p && metric is not null && (p < metric.Min || p > metric.Max))
            {
                Error(keys["peak"].Value, string.Create(CultureInfo.InvariantCulture, $"peak {p} {metric.Unit} is outside the plausible range of {metric.Kind} {metric.Name} ({metric.Min}…{metric.Max}): the service would reject such readings"));
            }

            if (Problems.Count != before || siteName is null || kind is null || metric is null || from is null || to is null || peak is null)
            {
                return null;
            }

            return new ScenarioEpisode(name, siteName, kind, metric.Name, from.Value, to.Value, peak.Value, ramp, devices, Line(map.Start));
        }

        private ScenarioLoad? ReadLoad(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys)
        {
            if (Mapping(keys, "load") is not { } map)
            {
                return null;
            }

            var load = Keys(map, LoadKeys, "'load'");
            var rate = Number(load, "rate");
            if (rate is <= 0)
            {
                Error(load["rate"].Value, "'rate' (messages per second across the fleet) must be positive");
                rate = null;
            }

            var readings = Integer(load, "readings_per_message", 1);
            if (readings > LoadOptions.MaxReadingsPerMessage)
            {
                Error(load["readings_per_message"].Value, string.Create(CultureInfo.InvariantCulture, $"'readings_per_message' must be at most {LoadOptions.MaxReadingsPerMessage} (the service's default Ingest:Limits:MaxReadingsPerMessage)"));
                readings = null;
            }

            return new ScenarioLoad(rate, Integer(load, "devices", 1), readings, Integer(load, "connections", 1));
        }

        private static IEnumerable<string> DevicesOf(SiteLayout site, string kind, int digits) =>
            Enumerable.Range(1, site.NodesOf(kind)).Select(d => DeviceName(kind, d, digits));

        private static string FirstAndLast(SiteLayout site, string kind, int digits)
        {
            var devices = DevicesOf(site, kind, digits).ToArray();
            return devices.Length switch
            {
                0 => "none",
                1 => devices[0],
                _ => $"{devices[0]} … {devices[^1]}",
            };
        }

        private static string DeviceName(string kind, int number, int digits) =>
            kind + "-" + number.ToString("D" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

        /// <summary>The keys of a mapping; unknown keys are problems (with a suggestion when one is close).</summary>
        private Dictionary<string, (YamlScalarNode Key, YamlNode Value)> Keys(YamlMappingNode map, IReadOnlyList<string> known, string? where)
        {
            var keys = new Dictionary<string, (YamlScalarNode, YamlNode)>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in map.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key } scalar)
                {
                    Error(keyNode, "keys must be plain names");
                    continue;
                }

                if (!known.Contains(key, StringComparer.Ordinal))
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

        private string? Text(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (!keys.TryGetValue(key, out var entry))
            {
                return null;
            }

            if (entry.Value is YamlScalarNode { Value: { Length: > 0 } text } && !IsNull(entry.Value))
            {
                return text;
            }

            Error(entry.Value, IsNull(entry.Value) ? $"'{key}' is empty" : $"'{key}' must be a single value, not a {(entry.Value is YamlSequenceNode ? "list" : "mapping")}");
            return null;
        }

        private YamlMappingNode? Mapping(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (!keys.TryGetValue(key, out var entry) || IsNull(entry.Value))
            {
                return null;
            }

            if (entry.Value is YamlMappingNode map)
            {
                return map;
            }

            Error(entry.Value, $"'{key}' must be a mapping ({key}: {{ … }})");
            return null;
        }

        private int? Integer(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key, int minimum)
        {
            if (Text(keys, key) is not { } text)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                Error(keys[key].Value, $"'{key}' must be a whole number, not '{text}'");
                return null;
            }

            if (value < minimum)
            {
                Error(keys[key].Value, string.Create(CultureInfo.InvariantCulture, $"'{key}' must be at least {minimum}, not {value}"));
                return null;
            }

            return value;
        }

        private double? Number(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (Text(keys, key) is not { } text)
            {
                return null;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                Error(keys[key].Value, $"'{key}' must be a number, not '{text}'");
                return null;
            }

            return value;
        }

        private TimeSpan? Duration(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key, TimeSpan minimum)
        {
            if (Text(keys, key) is not { } text)
            {
                return null;
            }

            if (!DurationParser.TryParse(text, out var value))
            {
                Error(keys[key].Value, $"'{key}' must be a duration such as 500ms, 30s, 2m, 1h or 00:00:30, not '{text}'");
                return null;
            }

            if (value < minimum || value > FleetOptions.MaxTimeSpan)
            {
                Error(keys[key].Value, minimum > TimeSpan.Zero
                    ? $"'{key}' must be between {Describe(minimum)} and {FleetOptions.MaxTimeSpan.TotalDays} days, not {text}"
                    : $"'{key}' must be at most {FleetOptions.MaxTimeSpan.TotalDays} days, not {text}");
                return null;
            }

            return value;
        }

        /// <summary><c>30s</c> after the start, or an RFC 3339 instant (<c>2026-11-28T08:00:00Z</c>).</summary>
        private EpisodeTime? Time(Dictionary<string, (YamlScalarNode Key, YamlNode Value)> keys, string key)
        {
            if (Text(keys, key) is not { } text)
            {
                return null;
            }

            if (DurationParser.TryParse(text, out var offset) && !text.Contains('-', StringComparison.Ordinal))
            {
                if (offset > FleetOptions.MaxTimeSpan)
                {
                    Error(keys[key].Value, $"'{key}' is more than {FleetOptions.MaxTimeSpan.TotalDays} days after the start");
                    return null;
                }

                return EpisodeTime.After(offset);
            }

            if (text.Contains('T', StringComparison.Ordinal)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                return EpisodeTime.Absolute(at);
            }

            Error(keys[key].Value, $"'{key}' must be a time after the start (30s, 2m, 1h30m) or an RFC 3339 instant (2026-11-28T08:00:00Z), not '{text}'");
            return null;
        }

        private static string Describe(TimeSpan value) =>
            value < TimeSpan.FromSeconds(1)
                ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds}ms")
                : string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds}s");

        private static string? Suggest(string key, IEnumerable<string> known) =>
            known.Select(k => (Key: k, Distance: Distance(key.ToLowerInvariant(), k)))
                .Where(c => c.Distance <= Math.Max(1, Math.Min(2, c.Key.Length / 3)))
                .OrderBy(c => c.Distance)
                .Select(c => c.Key)
                .FirstOrDefault();

        /// <summary>Levenshtein distance, for "did you mean".</summary>
        private static int Distance(string a, string b)
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
    }
}
