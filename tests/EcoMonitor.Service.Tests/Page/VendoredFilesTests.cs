using System.Security.Cryptography;
using System.Text.Json;

namespace EcoMonitor.Service.Tests.Page;

/// <summary>The vendored htmx files are the ones SHA256SUMS names, in the source tree and in the build output (docs/page.md#vendored-scripts).</summary>
public sealed class VendoredFilesTests
{
    [Theory]
    [InlineData("source")]
    [InlineData("output")]
    public void Every_vendored_file_has_the_SHA_256_that_SHA256SUMS_lists(string where)
    {
        var lib = where == "source" ? Path.Combine(RepositoryRoot(), "src", "EcoMonitor.Service", "wwwroot", "lib") : Path.Combine(AppContext.BaseDirectory, "wwwroot", "lib");
        var lines = File.ReadAllLines(Path.Combine(lib, "SHA256SUMS")).Where(l => l.Length > 0).ToList();
        Assert.Equal(4, lines.Count);
        foreach (var line in lines)
        {
            var (hash, file) = (line[..64], line[66..]);
            using var stream = File.OpenRead(Path.Combine(lib, file));
            Assert.True(Convert.ToHexStringLower(SHA256.HashData(stream)) == hash, $"{file} does not have the SHA-256 that SHA256SUMS lists");
        }

        // Every script file of lib/ is listed, with its licence beside it.
        var listed = lines.Select(l => l[66..]).ToHashSet(StringComparer.Ordinal);
        foreach (var script in Directory.EnumerateFiles(lib, "*.js", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(lib, script).Replace('\\', '/');
            Assert.Contains(relative, listed);
            Assert.Contains(Path.GetRelativePath(lib, Path.Combine(Path.GetDirectoryName(script)!, "LICENSE")).Replace('\\', '/'), listed);
        }

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(lib, "VENDORED.json")));
        var versions = manifest.RootElement.GetProperty("packages").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("version").GetString()!);
        Assert.StartsWith("2.", versions["htmx.org"], StringComparison.Ordinal);
        Assert.StartsWith("2.", versions["htmx-ext-sse"], StringComparison.Ordinal);
        Assert.Contains($"version:\"{versions["htmx.org"]}\"", File.ReadAllText(Path.Combine(lib, "htmx", "htmx.min.js")), StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EcoMonitor.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("the repository root (EcoMonitor.sln) is not above the test's directory");
    }
}
