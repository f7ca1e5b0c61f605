using System.Text.RegularExpressions;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests;

/// <summary>
/// The simulator's folders (its README, "Layout") are one namespace each, and they are layers: no folder uses a
/// type of a folder that, directly or through others, uses one of its own. Read from the source: a file can name
/// another folder's types only after that folder's using directive or through a qualified name, so those give
/// the graph. A using nobody needs, or a qualified name in a comment, adds an edge too: that only makes the
/// check stricter.
/// </summary>
public sealed partial class FolderLayoutTests
{
    private const string RootNamespace = "EcoMonitor.FirmwareSim";

    private static readonly string Root = SourceTree.Find("firmware-sim", RootNamespace);

    [Fact]
    public void Every_file_is_in_the_namespace_of_its_folder_and_only_Program_is_at_the_root()
    {
        var misplaced = new List<string>();
        foreach (var file in SourceFiles())
        {
            var folder = FolderOf(file);
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file));
            if (folder.Length == 0)
            {
                if (Path.GetFileName(file) != "Program.cs")
                {
                    misplaced.Add($"{Relative(file)}: only Program.cs belongs at the root; put it in the folder of its concern");
                }

                continue;
            }

            var expected = RootNamespace + "." + folder;
            if (!declared.Success || declared.Groups[1].Value != expected)
            {
                misplaced.Add($"{Relative(file)}: namespace {(declared.Success ? declared.Groups[1].Value : "(none)")}, expected {expected}");
            }
        }

        Assert.Empty(misplaced);
    }

    [Fact]
    public void No_folder_uses_a_folder_that_uses_it()
    {
        var graph = FolderGraph();
        Assert.NotEmpty(graph.Values.SelectMany(uses => uses.Keys)); // else the scan did not read the source

        var cycle = FindCycle(graph);
        Assert.True(
            cycle is null,
            cycle is null
                ? null
                : "folders in a cycle: " + string.Join(", ", cycle.Zip(cycle.Skip(1)).Select(edge => $"{edge.First} uses {edge.Second} ({graph[edge.First][edge.Second]})")));
    }

    /// <summary>Folder (namespace below the root, e.g. <c>Load</c>; empty for the root) → the folders it uses → one file that does.</summary>
    private static Dictionary<string, Dictionary<string, string>> FolderGraph()
    {
        var files = SourceFiles().Select(file => (Folder: FolderOf(file), Path: file, Text: File.ReadAllText(file))).ToList();
        var folders = files.Select(file => file.Folder).Where(folder => folder.Length > 0).ToHashSet(StringComparer.Ordinal);
        var typesOf = files
            .Where(file => file.Folder.Length > 0)
            .GroupBy(file => file.Folder)
            .ToDictionary(group => group.Key, group => group.SelectMany(file => TypeDeclaration().Matches(file.Text).Select(match => match.Groups[1].Value)).ToHashSet(StringComparer.Ordinal));
        var graph = files.Select(file => file.Folder).Distinct().ToDictionary(folder => folder, _ => new Dictionary<string, string>(StringComparer.Ordinal));
        foreach (var (folder, path, text) in files)
        {
            var used = new HashSet<string>(StringComparer.Ordinal);

            // using EcoMonitor.FirmwareSim.Load; or EcoMonitor.FirmwareSim.Load.LoadOptions anywhere in the file.
            foreach (Match match in QualifiedName().Matches(text))
            {
                var name = match.Groups[1].Value;
                while (name.Length > 0 && !folders.Contains(name))
                {
                    name = name.Contains('.', StringComparison.Ordinal) ? name[..name.LastIndexOf('.')] : string.Empty;
                }

                used.Add(name);
            }

            // Load.LoadOptions: a sibling namespace named from inside the root namespace, without a using.
            foreach (Match match in RelativeName().Matches(text))
            {
                if (typesOf.TryGetValue(match.Groups[1].Value, out var types) && types.Contains(match.Groups[2].Value))
                {
                    used.Add(match.Groups[1].Value);
                }
            }

            foreach (var other in used.Where(other => other.Length > 0 && other != folder))
            {
                graph[folder].TryAdd(other, Relative(path));
            }
        }

        return graph;
    }

    /// <summary>A path round the graph that ends where it starts (A, B, A), or null when there is none.</summary>
    private static List<string>? FindCycle(Dictionary<string, Dictionary<string, string>> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        List<string>? Visit(string folder)
        {
            var at = path.IndexOf(folder);
            if (at >= 0)
            {
                return [.. path[at..], folder];
            }

            if (!done.Add(folder))
            {
                return null;
            }

            path.Add(folder);
            foreach (var used in graph.GetValueOrDefault(folder, []).Keys.Order(StringComparer.Ordinal))
            {
                if (Visit(used) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }

        foreach (var folder in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(folder) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Root, "*.cs", SearchOption.AllDirectories)
            .Where(file => !Relative(file).Split('/').Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal);

    /// <summary><c>Formats</c> for <c>Formats/NativeFormat.cs</c>, <c>A.B</c> for <c>A/B/X.cs</c>, empty at the root.</summary>
    private static string FolderOf(string file)
    {
        var relative = Relative(file);
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? string.Empty : relative[..slash].Replace('/', '.');
    }

    private static string Relative(string file) => Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:record\s+struct|record\s+class|class|struct|interface|enum|record)\s+(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"\bEcoMonitor\.FirmwareSim\.(\w+(?:\.\w+)*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])(\w+)\.(\w+)")]
    private static partial Regex RelativeName();
}
