using System.Reflection;
using System.Text.RegularExpressions;
using EcoMonitor.Alerting;
using EcoMonitor.Core.Readings;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Tests.Fixtures;
using NetArchTest.Rules;

namespace EcoMonitor.Service.Tests.Architecture;

/// <summary>
/// The boundaries of docs/architecture.md, checked on the compiled assemblies: which project may
/// use which, that Core does no I/O, that the notification module knows no alert rules, that
/// Alerting goes through the ports, where the big libraries may be used, that no folder uses a
/// folder that uses it, and that every file is in the namespace of its folder.
/// </summary>
public sealed partial class BoundaryTests
{
    private static readonly Assembly[] Projects =
    [
        typeof(Reading).Assembly,
        typeof(ReadinessConditions).Assembly,
        typeof(IngestQueue).Assembly,
        typeof(NotificationOutbox).Assembly,
        typeof(AlertPipeline).Assembly,
        typeof(EcoMonitor.Sensors.ISensorDirectory).Assembly,
        typeof(FeedServiceCollectionExtensions).Assembly,
        typeof(EcoMonitorHost).Assembly,
        typeof(FleetSimulator).Assembly,
        typeof(EcoMonitor.Audit.Merkle.MerkleTree).Assembly,
    ];

    private static readonly Lazy<Dictionary<string, IReadOnlyList<TypeUse>>> Uses = new(() =>
        Projects.ToDictionary(a => a.GetName().Name!, a => TypeDependencies.Of(a.Location), StringComparer.Ordinal));

    public static TheoryData<string> ProjectNames => [.. Projects.Select(a => a.GetName().Name!)];

    [Fact]
    public void Every_project_of_the_repository_is_in_the_architecture_table()
    {
        var root = ServiceProcess.RepositoryRoot().FullName;
        var onDisk = Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(root, "firmware-sim"), "*.csproj", SearchOption.AllDirectories))
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal);
        Assert.Equal(onDisk, AllowedUses().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Projects.Select(a => a.GetName().Name!).Order(StringComparer.Ordinal), AllowedUses().Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ProjectNames))]
    public void A_project_references_and_uses_only_the_projects_the_architecture_allows(string project)
    {
        var allowed = AllowedUses()[project];

        // What the project file lets the compiler see…
        var csproj = Directory.GetFiles(ServiceProcess.RepositoryRoot().FullName, project + ".csproj", SearchOption.AllDirectories).Single();
        var referenced = ProjectReference().Matches(File.ReadAllText(csproj)).Select(m => m.Groups["name"].Value);
        Assert.All(referenced, r => Assert.True(allowed.Contains(r), $"{project}.csproj references {r}; docs/architecture.md allows {Describe(allowed)}"));

        // …and what the compiled code uses.
        var used = Uses.Value[project]
            .Where(u => u.ToAssembly.StartsWith("EcoMonitor.", StringComparison.Ordinal) && u.ToAssembly != project)
            .GroupBy(u => u.ToAssembly, StringComparer.Ordinal);
        Assert.All(used, g => Assert.True(allowed.Contains(g.Key), $"{project} uses {g.Key} ({Example(g)}); docs/architecture.md allows {Describe(allowed)}"));
    }

    [Fact]
    public void Core_does_no_io()
    {
        string[] io =
        [
            "System.IO.File", "System.IO.Directory", "System.IO.FileStream", "System.IO.DriveInfo", "System.Net", "System.Diagnostics.Process",
            "MQTTnet", "InfluxDB", "MailKit", "MimeKit", "Polly", "Prometheus", "Microsoft.Extensions.Hosting", "Microsoft.AspNetCore",
        ];
        var result = Types.InAssembly(typeof(Reading).Assembly).ShouldNot().HaveDependencyOnAny(io).GetResult();
        Assert.True(result.IsSuccessful, "Core does I/O in: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void The_notification_module_knows_no_alert_rules()
    {
        // Severity and glob matching are words routes and silences share with the rules file;
        // the rest of Rules, and Evaluation, is the engine's.
        string[] shared = ["AlertSeverity", "AlertSeverities", "Glob"];
        var forbidden = typeof(Reading).Assembly.GetTypes()
            .Where(t => t.Namespace == "EcoMonitor.Core.Alerting.Rules" && t.IsPublic && !shared.Contains(t.Name))
            .Select(t => t.FullName!)
            .Append("EcoMonitor.Core.Alerting.Evaluation")
            .ToArray();
        var violations = Uses.Value["EcoMonitor.Notifications"].Where(u => forbidden.Any(f => u.ToType == f || u.ToNamespace == f)).ToList();
        Assert.True(violations.Count == 0, "EcoMonitor.Notifications uses alert-rule types: " + string.Join("; ", violations.Select(Show).Distinct()));
    }

    [Fact]
    public void Alerting_uses_the_ingest_path_and_the_notification_module_only_through_their_ports()
    {
        var violations = Uses.Value["EcoMonitor.Alerting"].Where(u =>
            (u.ToAssembly == "EcoMonitor.Ingest" && u.ToNamespace != "EcoMonitor.Ingest.Ingestion")
            || (u.ToAssembly == "EcoMonitor.Notifications" && u.ToType is not ("EcoMonitor.Notifications.Outbox.INotificationOutbox" or "EcoMonitor.Notifications.NotificationJson")))
            .ToList();
        Assert.True(violations.Count == 0, "EcoMonitor.Alerting goes around the ports: " + string.Join("; ", violations.Select(Show).Distinct()));
    }

    [Theory]
    [InlineData("MailKit", "EcoMonitor.Notifications.Channels")]
    [InlineData("MimeKit", "EcoMonitor.Notifications.Channels")]
    [InlineData("InfluxDB")] // nowhere: the store is written on HttpClient (docs/decisions.md, "The store's client")
    [InlineData("MQTTnet", "EcoMonitor.Runtime.Broker", "EcoMonitor.Ingest.Mqtt", "EcoMonitor.Ingest.DeadLetters", "EcoMonitor.Notifications.Channels", "EcoMonitor.Audit.Publishing", "EcoMonitor.FirmwareSim")]
    [InlineData("NSec", "EcoMonitor.Audit.Notes")]
    [InlineData("Polly", "EcoMonitor.Ingest", "EcoMonitor.Notifications", "EcoMonitor.Service", "EcoMonitor.Alerting")]
    public void A_library_is_used_only_where_the_architecture_puts_it(string library, params string[] places)
    {
        var violations = Uses.Value.Values.SelectMany(u => u)
            .Where(u => (u.ToNamespace == library || u.ToNamespace.StartsWith(library + ".", StringComparison.Ordinal))
                && !places.Any(p => Place(u) == p || Place(u).StartsWith(p + ".", StringComparison.Ordinal)))
            .ToList();
        Assert.True(violations.Count == 0, $"{library} used outside {string.Join(", ", places)}: " + string.Join("; ", violations.Select(Show).Distinct().Take(10)));
    }

    [Theory]
    [MemberData(nameof(ProjectNames))]
    public void No_folder_uses_a_folder_that_uses_it(string project)
    {
        // Registrations (AddEcoMonitorXxx, in Microsoft.Extensions.DependencyInjection) compose all folders by design.
        var own = Uses.Value[project]
            .Where(u => u.ToAssembly == project && u.FromNamespace != u.ToNamespace
                && u.FromNamespace.StartsWith(project, StringComparison.Ordinal) && u.ToNamespace.StartsWith(project, StringComparison.Ordinal))
            .ToList();
        var edges = own.GroupBy(u => (u.FromNamespace, u.ToNamespace)).ToDictionary(g => g.Key, g => g.First());
        var cycles = Cycles(edges.Keys);
        Assert.True(cycles.Count == 0, $"{project}: folders that use each other: " + string.Join(" | ", cycles.Select(c =>
            string.Join(" → ", c) + " (" + string.Join("; ", c.Zip(c.Skip(1).Append(c[0])).Where(edges.ContainsKey).Select(e => Show(edges[e]))) + ")")));
    }

    [Theory]
    [MemberData(nameof(ProjectNames))]
    public void Every_file_is_in_the_namespace_of_its_folder(string project)
    {
        var directory = Path.GetDirectoryName(Directory.GetFiles(ServiceProcess.RepositoryRoot().FullName, project + ".csproj", SearchOption.AllDirectories).Single())!;
        var wrong = new List<string>();
        foreach (var file in Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, file);
            if (relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            var declared = NamespaceDeclaration().Match(File.ReadAllText(file)) is { Success: true } m ? m.Groups["name"].Value : null;
            var folder = Path.GetDirectoryName(relative)!.Replace(Path.DirectorySeparatorChar, '.');
            var expected = folder.Length == 0 ? project : project + "." + folder;
            var registration = declared == "Microsoft.Extensions.DependencyInjection" && file.EndsWith("ServiceCollectionExtensions.cs", StringComparison.Ordinal);
            var program = declared is null && relative == "Program.cs";
            if (declared != expected && !registration && !program)
            {
                wrong.Add($"{relative}: namespace {declared ?? "(none)"}, expected {expected}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    /// <summary>Project → the EcoMonitor projects it may use, from the table of docs/architecture.md.</summary>
    internal static Dictionary<string, HashSet<string>> AllowedUses()
    {
        var text = File.ReadAllText(Path.Combine(ServiceProcess.RepositoryRoot().FullName, "docs", "architecture.md"));
        var start = text.IndexOf("<!-- boundary-table", StringComparison.Ordinal);
        var end = text.IndexOf("<!-- end boundary-table -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/architecture.md has lost its boundary table");
        var table = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var row in text[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            table[cells[1].Trim('`')] = [.. BacktickName().Matches(cells[2]).Select(m => m.Groups["name"].Value)];
        }

        return table;
    }

    /// <summary>The cycles of a directed graph (one per strongly connected component of two or more), each as its nodes in order.</summary>
    internal static List<List<string>> Cycles(IEnumerable<(string From, string To)> edges)
    {
        var next = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Distinct().Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var cycles = new List<List<string>>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in next.Keys.Order(StringComparer.Ordinal))
        {
            if (reported.Contains(start))
            {
                continue;
            }

            // Shortest way back to start, breadth first.
            var parent = new Dictionary<string, string>(StringComparer.Ordinal);
            var queue = new Queue<string>([start]);
            while (queue.Count > 0 && !parent.ContainsKey(start))
            {
                var node = queue.Dequeue();
                foreach (var to in next.GetValueOrDefault(node) ?? [])
                {
                    if (!parent.ContainsKey(to))
                    {
                        parent[to] = node;
                        queue.Enqueue(to);
                    }
                }
            }

            if (parent.ContainsKey(start))
            {
                var cycle = new List<string>();
                for (var node = parent[start]; node != start; node = parent[node])
                {
                    cycle.Add(node);
                }

                cycle.Add(start);
                cycle.Reverse();
                cycles.Add(cycle);
                reported.UnionWith(cycle);
            }
        }

        return cycles;
    }

    /// <summary>Where a use is: its namespace, or for a project's registration (in the DI namespace) its project.</summary>
    private static string Place(TypeUse use) =>
        use.FromNamespace.StartsWith("EcoMonitor", StringComparison.Ordinal) ? use.FromNamespace : use.From.Module.Assembly.Name.Name;

    private static string Describe(HashSet<string> allowed) => allowed.Count == 0 ? "none" : string.Join(", ", allowed.Order(StringComparer.Ordinal));

    private static string Example(IEnumerable<TypeUse> uses) => string.Join("; ", uses.Select(Show).Distinct().Take(3));

    private static string Show(TypeUse use) => $"{use.FromType} uses {use.ToType}";

    [GeneratedRegex("""<ProjectReference Include="[^"]*?(?<name>[\w.]+)\.csproj" """)]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"^namespace (?<name>[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex("`(?<name>EcoMonitor\\.[\\w.]+)`")]
    private static partial Regex BacktickName();
}
